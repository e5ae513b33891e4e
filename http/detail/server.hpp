// The I/O side of the HTTP front: one thread runs an Asio `io_context` that
// accepts connections, runs their sessions (session.hpp) and answers on its
// own what needs no engine (a health check, a dashboard file). Every other
// whole request goes to the gateway actor through a batch queue, and the
// gateway's answers come back through another; each direction wakes the
// other side once per batch (batch_queue.hpp). So no thread ever waits for
// the engine, and a thousand waiting clients cost a thousand sockets, not a
// thousand threads.
//
// Beyond what a session enforces, the server caps the open connections (a
// connection beyond gets `503 too_many_connections` at once and closes) and,
// while more than half of the cap is open, closes connections idle longer
// than the busy-idle timeout.
#pragma once

#include "detail/session.hpp"

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace troupe::http::detail {

/// A whole request, as the I/O thread hands it to the gateway actor.
struct incoming_request {
  std::weak_ptr<session> from;
  /// Its place among the requests of its connection.
  uint64_t number = 0;
  request message;
};

/// An answer for the I/O thread to write.
struct outgoing_answer {
  std::weak_ptr<session> to;
  uint64_t number = 0;
  response message;
};

/// What the I/O thread makes of a request before the gateway sees it.
struct triage {
  /// Answered on the I/O thread (it needs no engine).
  std::optional<response> answer;
  /// A long-poll: its client may leave while it waits.
  bool waits = false;
};

struct server_settings {
  std::string host = "127.0.0.1";
  /// 0 picks a free port.
  uint16_t port = 0;
  /// HTTPS when both are set (PEM files).
  std::string tls_cert;
  std::string tls_key;
  size_t max_connections = 10000;
  /// The idle timeout while more than half of `max_connections` are open.
  std::chrono::milliseconds busy_idle_timeout{1000};
  session_limits session;
};

class server {
public:
  /// Sorts a request on the I/O thread (see `triage`).
  using triage_fn = std::function<triage(const request&)>;
  /// The body of an answer the server gives on its own (400, 408, 413, 431,
  /// 503), in the API's error shape.
  using refusal_fn = std::function<std::string(int status)>;

  /// Binds and starts the I/O thread; returns why not if it cannot (the
  /// address is taken, the certificate cannot be loaded). `wake` runs on the
  /// I/O thread whenever requests are queued after none were.
  static caf::expected<std::unique_ptr<server>> start(server_settings settings, triage_fn triage,
                                                      refusal_fn refusal,
                                                      std::function<void()> wake);

  /// Stops (see `stop`).
  ~server();

  /// The bound port.
  uint16_t port() const;

  /// Stops accepting, writes the answers already given, closes every
  /// connection and joins the I/O thread (waiting at most a few seconds for
  /// slow readers). Idempotent.
  void stop();

  // -- the gateway's side; any thread --

  /// Takes every request queued since the last call.
  std::vector<incoming_request> take_requests();

  /// Hands an answer to the I/O thread.
  void answer(outgoing_answer answer);

  const connection_counters& counters() const;

  class impl;

private:
  explicit server(std::unique_ptr<impl> self);

  std::unique_ptr<impl> self_;
};

} // namespace troupe::http::detail
