// One client connection of the HTTP front, on the I/O thread.
//
// Boost.Beast parses and serialises HTTP/1.1 and Asio owns the socket, the
// timers and TLS; a session adds the rules a job API needs in front of an
// engine that answers later:
// - it reads the next request while earlier ones wait for the engine
//   (pipelining, up to a bound), and writes the answers in request order;
// - a whole request (headers and body) must arrive within the request
//   timeout of its first byte, else `408`, and the connection closes;
// - a connection with nothing to answer may idle for the idle timeout (the
//   server closes idle ones sooner while it is crowded);
// - `431`/`413` come before the oversized part is read, `100 Continue` is
//   sent once per request that expects it, and any framing error is
//   answered `400` and closes the connection (nothing after it is trusted);
// - a client that goes away while its long-poll waits is dropped at once.
// A session never blocks and never waits for the engine: a request that
// needs the engine goes to the session's host, whose answer arrives later
// through `answer`.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>

namespace troupe::http::detail {

namespace bhttp = boost::beast::http;
using request = bhttp::request<bhttp::string_body>;
using response = bhttp::response<bhttp::string_body>;
using steady_time = std::chrono::steady_clock::time_point;

/// The limits a session enforces.
struct session_limits {
  std::chrono::milliseconds request_timeout{10000};
  std::chrono::milliseconds idle_timeout{15000};
  /// Time a client may take to read an answer.
  std::chrono::milliseconds write_timeout{10000};
  /// Largest header block and body accepted (431 and 413 beyond).
  size_t max_header_bytes = 16 * 1024;
  size_t max_body_bytes = 1 << 20;
  /// Requests read ahead of their answers; reading pauses beyond.
  size_t max_pipeline = 32;
};

/// What the server does with connections, counted for `/metrics`.
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
  /// Connections whose client left while a long-poll waited.
  std::atomic<uint64_t> abandoned{0};
};

/// One connection; the I/O thread's only.
class session : public std::enable_shared_from_this<session> {
public:
  virtual ~session() = default;

  /// Starts serving (a TLS session first completes its handshake).
  virtual void start() = 0;

  /// The answer to request `number` of this session; written once every
  /// answer before it is.
  virtual void answer(uint64_t number, response res) = 0;

  /// Since when the connection idles with nothing to answer, if it does.
  virtual std::optional<steady_time> idle_since() const = 0;

  /// Reads nothing more, writes the answers it has, then closes.
  virtual void finish() = 0;

  /// Closes at once; whatever is still to answer is dropped.
  virtual void close() = 0;
};

/// What a session needs from its server: a narrow interface, so that the
/// session can be reasoned about (and tested) alone.
class session_host {
public:
  virtual ~session_host() = default;

  /// A whole request arrived; answered later through `from->answer`.
  /// Returns whether the client may go away while the request waits (a
  /// long-poll), which the session then takes as abandoning it.
  virtual bool dispatch(const std::shared_ptr<session>& from, uint64_t number, request req) = 0;

  /// The session closed; it will not call its host again.
  virtual void closed(session& s) = 0;

  virtual const session_limits& limits() const = 0;

  virtual connection_counters& counters() = 0;

  /// The body of an answer the session gives on its own (400, 408, 413,
  /// 431), in the API's error shape.
  virtual std::string refusal_body(int status) const = 0;
};

} // namespace troupe::http::detail
