// How a server and its worker nodes talk over CAF's network layer: the
// heartbeat that notices a hung or cut-off peer, and TLS.
//
// A killed process closes its socket and its peer learns of it at once; a
// stopped or cut-off one is only noticed when its heartbeats stop arriving
// for `timeout`. Both sides must use the same values (a node with others is
// refused at join), and the same protocol id, which CAF checks during its
// handshake (`middleman.app-identifiers`).
#pragma once

#include <caf/actor_system_config.hpp>
#include <caf/io/middleman_actor.hpp>

#include <chrono>
#include <string>

namespace troupe {

/// The id a server and its nodes present to each other; a peer with another
/// id (another program, or another version of this protocol) is refused.
constexpr const char* node_protocol_id = "troupe-nodes-1";

/// Heartbeat and TLS settings shared by a server's node gateway and its
/// nodes.
struct node_settings {
  /// Interval between heartbeats on an idle connection.
  std::chrono::milliseconds heartbeat{500};
  /// Silence after which the peer is declared lost; at least 3 heartbeats.
  std::chrono::milliseconds timeout{2000};
  /// PEM files for mutual TLS: all three, or none.
  std::string tls_cert;
  std::string tls_key;
  std::string tls_ca;
  /// Allows plain TCP on a non-loopback address (anyone who can connect can
  /// then take jobs or forge results).
  bool insecure = false;
  /// The longest frame a peer of the node port may send (a job's result
  /// travels in one); a longer one drops the peer.
  uint32_t max_frame_bytes = 16u << 20;

  /// Whether the TLS files are set.
  bool tls() const { return !tls_cert.empty(); }
};

/// Why `settings` cannot serve nodes on (or join a server at) `host`, or an
/// empty string if they can: a timeout under 3 heartbeats, TLS files given
/// in part, or a non-loopback host without TLS or `insecure`.
std::string node_settings_problem(const node_settings& settings, const std::string& host);

/// The actor of CAF's network layer that `settings` use: the OpenSSL
/// manager's with TLS, else the middleman's.
caf::io::middleman_actor network_layer(caf::actor_system& sys, const node_settings& settings);

/// Loads CAF's network layer into `cfg` (and its OpenSSL layer with TLS)
/// with these settings. Call before constructing the actor system.
void configure_nodes(caf::actor_system_config& cfg, const node_settings& settings);

} // namespace troupe
