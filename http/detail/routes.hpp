// The routes of API v1: what each request asks of the engine, and how the
// engine's reply becomes the answer.
//
// The routes never wait: a request that needs the engine is answered by a
// continuation that runs when the engine replies (`engine_port`). Requests
// that need no engine (the health check, the dashboard's files) are answered
// on the I/O thread by `sort`; everything else is served on the gateway
// actor's thread by `serve`, which also compresses large answers there, off
// the I/O thread.
#pragma once

#include "detail/metrics.hpp"
#include "detail/server.hpp"
#include "troupe/http/gateway.hpp"
#include "troupe/job.hpp"

#include <caf/expected.hpp>
#include <caf/message.hpp>

#include <functional>
#include <string>
#include <vector>

namespace troupe::http::detail {

/// How the routes reach the engine. Every call is answered exactly once,
/// later, on the gateway actor's thread: with the engine's reply, or with an
/// error if it did not reply within `timeout` (or went away).
class engine_port {
public:
  using text_reply = std::function<void(caf::expected<std::string>)>;
  using submit_reply = std::function<void(caf::expected<submit_outcome>)>;

  virtual ~engine_port() = default;

  /// A question whose answer is one JSON text (status, wait, cancel, retry,
  /// list, stats, workers).
  virtual void ask(caf::message question, std::chrono::milliseconds timeout, text_reply then) = 0;

  /// A submission; the submissions of one batch reach the engine together.
  virtual void submit(job_request job, submit_reply then) = 0;
};

/// Where an answer goes: exactly one call per request.
using answer_fn = std::function<void(response)>;

/// API v1 and the dashboard, for one gateway.
class api {
public:
  explicit api(gateway_config config);

  /// On the I/O thread: answers what needs no engine, and says whether the
  /// request is a long-poll. Thread-safe.
  triage sort(const request& req);

  /// On the gateway actor's thread: serves a request that `sort` left.
  void serve(request req, engine_port& engine, answer_fn done);

  /// The body of an answer the server gives on its own (400, 408, 413, 431,
  /// 503), in the API's error shape.
  std::string refusal_body(int status) const;

  /// The server's connection counters, for `/metrics`.
  void set_connection_counters(const connection_counters* counters) { connections_ = counters; }

  const gateway_config& config() const { return config_; }

  class handlers;

private:
  /// A dashboard file as served: plain and gzipped.
  struct asset {
    std::string url;
    /// Its name in the request counts.
    std::string route;
    const char* content_type;
    std::string_view body;
    std::string gzipped;
  };

  gateway_config config_;
  std::vector<asset> assets_;
  request_counter requests_;
  const connection_counters* connections_ = nullptr;
};

} // namespace troupe::http::detail
