// The node port, guarded: no CAF socket faces the network.
//
// CAF 0.17.6's BASP can be crashed by one malformed frame and made to
// allocate gigabytes by one header (see basp_frame_check.hpp), and its own
// listener neither caps connections nor times out a peer that never
// completes its handshake. So the server's node port is this guard's: it
// accepts connections (with mutual TLS when node TLS is configured, done
// here rather than in CAF), checks every frame a peer sends, and hands a
// connection to CAF only once its peer sent a valid handshake, through a
// socketpair whose other end CAF's BASP broker serves as if it had accepted
// it. A peer that breaks a frame rule, sends no handshake within the
// handshake timeout, or exceeds the caps is dropped; CAF never sees it.
//
// Caps: at most `max_connections` joined nodes; at most `max_unjoined`
// connections that have not sent their handshake, beyond which the oldest
// of those is dropped to make room, so that idle connections cannot keep a
// real node from joining.
#pragma once

#include "troupe/node_settings.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/expected.hpp>
#include <caf/node_id.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace troupe::detail {

/// Where each connected node came from, as the guard saw it: CAF's own end
/// of a guarded connection is local, so the node gateway asks here.
class node_address_book {
public:
  void put(const caf::node_id& node, std::string address) {
    std::lock_guard<std::mutex> guard{mtx_};
    addresses_[node] = std::move(address);
  }

  void erase(const caf::node_id& node) {
    std::lock_guard<std::mutex> guard{mtx_};
    addresses_.erase(node);
  }

  /// `host:port` of a connected node, or "unknown".
  std::string find(const caf::node_id& node) const {
    std::lock_guard<std::mutex> guard{mtx_};
    auto i = addresses_.find(node);
    return i == addresses_.end() ? "unknown" : i->second;
  }

private:
  mutable std::mutex mtx_;
  std::map<caf::node_id, std::string> addresses_;
};

/// What the node port grants its peers.
struct node_port_limits {
  /// The longest frame payload a peer may send.
  uint32_t max_frame_bytes = 16u << 20;
  /// Joined nodes at most (each node holds one connection).
  size_t max_connections = 256;
  /// Connections without a handshake at most; beyond, the oldest goes.
  size_t max_unjoined = 16;
  /// Time from connecting (and the TLS handshake) to a whole BASP handshake.
  std::chrono::milliseconds handshake_timeout{5000};
};

/// What the guard did, for stats and tests.
struct node_port_counters {
  std::atomic<uint64_t> accepted{0};
  /// Peers dropped for breaking a frame rule.
  std::atomic<uint64_t> malformed{0};
  /// Peers dropped for not completing the handshake in time, or to make
  /// room for newer ones, or beyond the caps.
  std::atomic<uint64_t> unjoined_dropped{0};
  std::atomic<uint64_t> joined{0};
};

class node_port_guard {
public:
  /// Binds `host:port` (0 picks a port) and serves `gateway` there: CAF's
  /// BASP broker of `sys` answers each admitted connection as if it had
  /// published `gateway` on that port. `sys` must have loaded the middleman.
  static caf::expected<std::unique_ptr<node_port_guard>>
  start(caf::actor_system& sys, caf::actor gateway, const node_settings& settings,
        const std::string& host, uint16_t port, std::shared_ptr<node_address_book> addresses,
        node_port_limits limits = {});

  /// Closes every connection and ends the guard's thread.
  ~node_port_guard();

  uint16_t port() const;

  const node_port_counters& counters() const;

  class impl;

private:
  explicit node_port_guard(std::unique_ptr<impl> self);

  std::unique_ptr<impl> self_;
};

} // namespace troupe::detail
