// The HTTP gateway actor: troupe's API for clients in any language.
//
// The gateway owns one I/O thread (Boost.Asio), where Boost.Beast reads
// whole requests and writes answers. The I/O thread hands requests to the
// gateway actor in batches; the actor turns them into protocol messages to
// the supervisor (see troupe/protocol.hpp), all of a batch's submissions as
// one `submit_many`, and hands each answer back once the engine replied. No
// thread waits for the engine: a long-poll is a connection plus a waiting
// call, so thousands of them cost sockets, not threads. Slow, idle and
// surplus clients are held off by the limits below. The API is specified in
// docs/openapi.yaml.
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/atom.hpp>
#include <caf/expected.hpp>

#include <chrono>
#include <cstdint>
#include <string>

namespace troupe::http {

/// How the gateway listens and which limits it enforces.
struct gateway_config {
  /// Interface to bind; loopback unless the operator chooses otherwise.
  std::string host = "127.0.0.1";
  /// 0 picks a free port; ask the gateway which with `port_atom`.
  uint16_t port = 8080;
  /// If set, `/v1/*` and `/metrics` need `Authorization: Bearer <token>`.
  std::string token;
  /// Largest request body accepted; larger ones get 413.
  size_t max_body = 1 << 20;
  /// Deepest JSON nesting accepted in a request body.
  size_t max_json_depth = 64;
  /// HTTPS when both are set (PEM files).
  std::string tls_cert;
  std::string tls_key;
  /// Open connections at most; beyond, a connection gets 503 and is closed.
  size_t max_connections = 10000;
  /// Time for a whole request (headers and body) to arrive; else 408.
  std::chrono::milliseconds request_timeout{10000};
  /// Time a keep-alive connection may idle between requests.
  std::chrono::milliseconds idle_timeout{15000};
  /// The same while more than half of `max_connections` are open.
  std::chrono::milliseconds busy_idle_timeout{1000};
  /// Time a client may take to read a response.
  std::chrono::milliseconds write_timeout{10000};
  /// JSON bodies at least this long are gzip-compressed for clients that
  /// accept it; shorter ones cost more to compress than they save.
  size_t compress_min_bytes = 4096;
  /// How long a request may wait for the engine (long-polls add their wait).
  std::chrono::milliseconds engine_timeout{30000};
};

/// `(port_atom)` → the bound port (uint16_t), or the error that kept the
/// gateway from listening.
using port_atom = caf::atom_constant<caf::atom("port")>;

/// Points the gateway at another engine: `(engine_atom, supervisor)`.
using engine_atom = caf::atom_constant<caf::atom("engine")>;

/// Spawns the gateway, which binds at once and serves until it receives an
/// exit message; then it answers what still waits for the engine with 503,
/// writes the answers, closes its connections and ends its I/O thread.
caf::actor spawn_gateway(caf::actor_system& sys, caf::actor supervisor, gateway_config config);

/// Asks a gateway which port it listens on, or why it does not.
caf::expected<uint16_t> listening_port(caf::actor_system& sys, const caf::actor& gateway);

/// Sends the gateway's later requests to `supervisor` (a standby server's
/// gateway starts with the stand-in of troupe/standby.hpp and switches to the
/// engine once the server took over).
void switch_engine(const caf::actor& gateway, caf::actor supervisor);

/// Ends a gateway once the engine answered what it was asked (at most 5 s)
/// and waits until its I/O thread is gone.
void stop_gateway(caf::actor_system& sys, const caf::actor& gateway);

} // namespace troupe::http
