// Worker nodes: worker actors in other processes or on other hosts that run
// a server's jobs. The server accepts them with `serve_nodes`; a node process
// joins with a `worker_node`.
//
// Work in progress (issue 10): a node joins and runs jobs; node loss,
// drain, reconnection, routing by type and TLS tests are still to come.
#pragma once

#include "troupe/handler.hpp"
#include "troupe/node_settings.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace troupe {

/// Spawns the node gateway of `supervisor` and publishes it on `host:port`
/// (0 picks a port; the address is reused at once after a restart). The
/// system must have been configured with `configure_nodes`. Returns the
/// bound port.
caf::expected<uint16_t> serve_nodes(caf::actor_system& sys, const caf::actor& supervisor,
                                    const node_settings& settings, const std::string& host,
                                    uint16_t port);

/// What a node brings to a server.
struct worker_node_config {
  std::string server_host;
  uint16_t server_port = 0;
  /// Unique among the server's live nodes.
  std::string name;
  uint32_t workers = 1;
  uint32_t prefetch = 8;
  node_settings settings;
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

  /// Connects and joins; returns the server's incarnation, or why not.
  caf::expected<uint64_t> join();

private:
  caf::actor_system& sys_;
  worker_node_config config_;
  std::shared_ptr<handler_registry> handlers_;
  caf::actor agent_;
  std::vector<caf::actor> workers_;
};

} // namespace troupe
