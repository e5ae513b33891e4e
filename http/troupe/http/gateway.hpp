// The HTTP gateway actor: troupe's API for clients in any language.
//
// The gateway owns a cpp-httplib server (which has its own thread pool) and
// turns every request into protocol messages to the supervisor (see
// troupe/protocol.hpp); it never touches engine state. Each HTTP request is
// answered through a short-lived forwarding actor, so the HTTP threads never
// need a blocking `scoped_actor` of their own. The API is specified in
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
  /// HTTP handler threads. A keep-alive connection holds one while open.
  size_t threads = 64;
  /// A client that sends or reads nothing for this long is disconnected.
  std::chrono::seconds io_timeout{10};
  /// How long a request may wait for the engine (long-polls add their wait).
  std::chrono::milliseconds engine_timeout{30000};
};

/// `(port_atom)` → the bound port (uint16_t), or the error that kept the
/// gateway from listening.
using port_atom = caf::atom_constant<caf::atom("port")>;

/// Spawns the gateway, which binds at once and serves until it receives an
/// exit message; then it stops the server and waits for its threads.
caf::actor spawn_gateway(caf::actor_system& sys, caf::actor supervisor, gateway_config config);

/// Asks a gateway which port it listens on, or why it does not.
caf::expected<uint16_t> listening_port(caf::actor_system& sys, const caf::actor& gateway);

/// Ends a gateway and waits until its server threads are gone.
void stop_gateway(caf::actor_system& sys, const caf::actor& gateway);

} // namespace troupe::http
