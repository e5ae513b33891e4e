// The server's door for worker nodes: it admits nodes that speak this
// protocol with the server's heartbeat settings, under a name no live node
// holds, and forgets a node once its agent actor is gone.
//
// It is the only actor a node can reach, and it answers node messages only
// (a join, a leave): the supervisor's handle never crosses the wire, and
// whatever else a peer sends it is refused. A node's workers talk to their
// stand-ins, which pass on only what concerns their own leases.
#pragma once

#include "nodes/node_port_guard.hpp"
#include "nodes/node_protocol.hpp"
#include "troupe/node_settings.hpp"

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

namespace troupe::detail {

/// A node the gateway admitted and whose agent is alive.
struct joined_node {
  std::string name;
  caf::actor_addr agent;
  std::vector<caf::actor> stand_ins;
};

struct node_gateway_state {
  node_settings settings;
  /// Where each node connected from, as the node port's guard saw it.
  std::shared_ptr<node_address_book> addresses;
  std::vector<joined_node> nodes;

  static inline const char* name = "troupe.node_gateway";
};

/// Serves until `supervisor` ends. Messages from nodes: `(join_atom, node_join)` → `(welcome_atom,
/// incarnation, stand-ins)` or a `join_refused` error; `(leave_atom,
/// drain_ms)` from a joined node's agent → `ok_atom` once the server holds
/// nothing of it.
caf::behavior node_gateway(caf::stateful_actor<node_gateway_state>* self, node_settings settings,
                           caf::actor supervisor, std::shared_ptr<node_address_book> addresses);

struct stand_in_state {
  /// The node's worker, once attached.
  caf::actor remote;
  /// Leases handed to it and not yet reported back.
  std::unordered_set<uint64_t> leases;

  static inline const char* name = "troupe.stand_in";
};

/// A node's worker as the supervisor sees it: a local actor in its worker
/// slot. It forwards orders, withdrawals and stops (from local actors only)
/// to the node's worker once that is attached, and passes on only those
/// reports (and progress) that name a lease it handed to that worker: a
/// node cannot report on another node's jobs. It ends when the node's worker
/// is lost, which the supervisor takes as the node's loss.
caf::behavior stand_in(caf::stateful_actor<stand_in_state>* self, caf::actor supervisor);

/// Why `join` cannot be admitted next to `nodes` under `settings`, or an
/// empty string.
std::string join_problem(const node_join& join, const node_settings& settings,
                         const std::vector<joined_node>& nodes);

} // namespace troupe::detail
