// Connections in, whole requests out: how the gateway holds up against slow,
// idle and too many clients.
//
// cpp-httplib's own accept loop gives each connection a pool thread for its
// whole life, and its read timeout bounds each read, not a request: a client
// that sends one header line a second, or just keeps an idle keep-alive
// connection open, holds a thread, and a few hundred of them stop the server.
// The listener therefore owns the socket side. One event thread accepts
// connections and reads them without blocking; only a request that has fully
// arrived goes to a handler thread, where cpp-httplib parses it, routes it
// and writes the response. So a slow client costs a buffer, not a thread, and:
// - a whole request (headers and body) must arrive within `request_timeout`
//   of its first byte, or the client gets `408` and the connection closes;
// - a keep-alive connection may idle for `idle_timeout`, and for only
//   `busy_idle_timeout` while more than half of `max_connections` are open;
// - beyond `max_connections` a new connection gets `503` at once and closes;
// - header blocks and bodies beyond the framing limits get `431`/`413`.
// TLS, when configured, is done here too, on the same terms.
#pragma once

#include "detail/request_framing.hpp"

#include <caf/expected.hpp>

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace troupe::http::detail {

/// How many connections and how much time a listener grants its clients.
struct listener_limits {
  /// Open connections at most; more are refused at once.
  size_t max_connections = 10000;
  /// Threads that run handlers. Only whole requests occupy one (a long-poll
  /// for as long as it waits).
  size_t handler_threads = 64;
  /// Time for a whole request to arrive, from its first byte.
  std::chrono::milliseconds request_timeout{10000};
  /// Time a keep-alive connection may wait for its next request.
  std::chrono::milliseconds idle_timeout{15000};
  /// The same while more than half of `max_connections` are open.
  std::chrono::milliseconds busy_idle_timeout{1000};
  /// Time a client may take to read a response.
  std::chrono::milliseconds write_timeout{10000};
  /// Header and body size limits.
  framing_limits framing;
};

/// What a listener did with its connections; read by `/metrics`.
struct connection_counters {
  /// Connections open now.
  std::atomic<uint64_t> open{0};
  /// Connections accepted, and those refused at once beyond the cap.
  std::atomic<uint64_t> accepted{0};
  std::atomic<uint64_t> refused{0};
  /// Requests answered 408 because they did not arrive in time.
  std::atomic<uint64_t> timed_out{0};
  /// Keep-alive connections closed for idling.
  std::atomic<uint64_t> idle_closed{0};
};

/// cpp-httplib's parsing, routing and response writing, fed one request at
/// a time by the listener.
class request_server : public httplib::Server {
public:
  /// Serves the one request `stream` holds; returns whether the connection
  /// stays open for another.
  bool serve(httplib::Stream& stream, bool close_after) {
    bool closed = false;
    return process_request(stream, close_after, closed, {}) && !closed && !close_after;
  }
};

/// The body of an answer the listener gives on its own (status 408, 413,
/// 431, 400 or 503), in the API's error shape.
using refusal_body = std::function<std::string(int status)>;

/// Accepts connections on a bound socket and serves their requests with
/// `routes`. Stops and joins its threads on destruction.
class listener {
public:
  /// Where TLS certificates come from; both empty means plain HTTP.
  struct tls_files {
    std::string cert;
    std::string key;
  };

  ~listener();

  /// Binds `host:port` (0 picks a port) and starts serving; returns the
  /// listener or why it could not start.
  static caf::expected<std::unique_ptr<listener>>
  start(const std::string& host, uint16_t port, const tls_files& tls, listener_limits limits,
        std::shared_ptr<request_server> routes, refusal_body refusals,
        std::shared_ptr<connection_counters> counters);

  /// The bound port.
  uint16_t port() const;

  /// Stops accepting, closes connections that wait or read, lets requests in
  /// handlers finish, and joins all threads. Idempotent.
  void stop();

  class impl;

private:
  explicit listener(std::unique_ptr<impl> self);

  std::unique_ptr<impl> self_;
};

} // namespace troupe::http::detail
