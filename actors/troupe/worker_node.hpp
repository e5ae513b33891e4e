// Worker nodes: worker actors in other processes or on other hosts that run
// a server's jobs. The server accepts them with `serve_nodes`; a node process
// joins with a `worker_node`.
//
// Nodes are stateless: the server keeps the only queue, store and clock. A
// node that loses its server raises every token, drops the jobs it has not
// started and rejoins by itself, with a jittered backoff (0.5 s doubling to
// 30 s); each rejoin is a new session. A node that leaves (`leave`, on
// SIGTERM) gives back what it has not started and lets its running jobs
// finish for the drain time. A node given several servers tries each in
// turn before it backs off, and backs off at most 2 s: it waits for a
// standby to take over.
#pragma once

#include "troupe/handler.hpp"
#include "troupe/node_settings.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace troupe {

namespace detail {
class node_port_guard;
} // namespace detail

/// The server's door for worker nodes: the node gateway behind a guarded
/// port (see docs/engine.md, "Security"). Closing it (destroying it) closes
/// the port; destroy it before the actor system.
class node_port {
public:
  explicit node_port(std::unique_ptr<detail::node_port_guard> guard);
  ~node_port();

  /// The bound port.
  uint16_t port() const;

private:
  std::unique_ptr<detail::node_port_guard> guard_;
};

/// Spawns the node gateway of `supervisor` and serves it on `host:port`
/// (0 picks a port; the address is reused at once after a restart), behind
/// a guard that checks every frame a peer sends before CAF sees it, caps the
/// connections and drops a peer that does not complete its handshake in
/// time. The system must have been configured with `configure_nodes`.
caf::expected<std::unique_ptr<node_port>> serve_nodes(caf::actor_system& sys,
                                                      const caf::actor& supervisor,
                                                      const node_settings& settings,
                                                      const std::string& host, uint16_t port);

/// Where a server accepts nodes (its `--nodes`).
struct server_address {
  std::string host;
  uint16_t port = 0;

  /// `HOST:PORT`.
  std::string text() const { return host + ":" + std::to_string(port); }
};

/// What a node brings to a server.
struct worker_node_config {
  /// The servers to join, tried in turn until one accepts: of an
  /// active/standby pair only the active one accepts nodes, so a node that
  /// lists both follows the active across a failover.
  std::vector<server_address> servers;
  /// Unique among the server's live nodes.
  std::string name;
  uint32_t workers = 1;
  uint32_t prefetch = 8;
  node_settings settings;
  /// Called on every join and rejoin with the server joined and its
  /// incarnation (on an actor's thread).
  std::function<void(const server_address& server, uint64_t incarnation)> on_join;
};

/// A worker node: joins a server and runs its jobs with `handlers()`.
class worker_node {
public:
  /// The system must have been configured with `configure_nodes` and the
  /// same settings.
  worker_node(caf::actor_system& sys, worker_node_config config);

  ~worker_node();

  /// The job types this node serves; register them before `join`.
  handler_registry& handlers() { return *handlers_; }

  /// Connects and joins once; returns the server's incarnation, or why not
  /// (then the node is done). After a first join the node rejoins by itself
  /// whenever it loses the server.
  caf::expected<uint64_t> join();

  /// Leaves the server: blocks until the server holds no job of this node,
  /// which takes at most `drain` (plus a margin if the server is gone).
  void leave(std::chrono::milliseconds drain);

private:
  caf::actor_system& sys_;
  worker_node_config config_;
  std::shared_ptr<handler_registry> handlers_;
  caf::actor agent_;
};

} // namespace troupe
