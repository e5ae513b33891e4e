// What a worker node and the server's node gateway say to each other.
//
// A node joins with a `node_join`: who it is, how many workers it brings,
// the job types it serves and the heartbeat settings it runs with. The
// gateway answers `(welcome_atom, incarnation)` or refuses with a
// `join_refused` error naming the mismatch. The incarnation is random per
// server start; leases carry it, so a report meant for an earlier run of
// the server is recognised and dropped.
#pragma once

#include <caf/atom.hpp>
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace troupe::detail {

/// The version of this protocol; a node speaking another is refused.
constexpr uint32_t node_protocol_version = 2;

/// A node's request to join.
struct node_join {
  uint32_t version = node_protocol_version;
  /// Unique among the live nodes of a server.
  std::string name;
  /// Worker actors the node runs, at least 1.
  uint32_t workers = 0;
  /// Jobs each worker may hold beyond the one it runs.
  uint32_t prefetch = 0;
  int64_t heartbeat_ms = 0;
  int64_t timeout_ms = 0;
  /// The job types its handlers serve.
  std::vector<std::string> types;
};

template <class Inspector> typename Inspector::result_type inspect(Inspector& f, node_join& x) {
  return f(caf::meta::type_name("troupe.node_join"), x.version, x.name, x.workers, x.prefetch,
           x.heartbeat_ms, x.timeout_ms, x.types);
}

/// node → gateway: `(join_atom, node_join)`.
using join_atom = caf::atom_constant<caf::atom("join")>;
/// gateway → node: `(welcome_atom, incarnation, std::vector<caf::actor>)`:
/// one stand-in on the server per worker of the node, in order. The node's
/// workers report to their stand-in, which checks the leases they name.
using welcome_atom = caf::atom_constant<caf::atom("welcome")>;
/// node → stand-in: `(attach_atom, worker)`: the node's worker behind it.
using attach_atom = caf::atom_constant<caf::atom("attach")>;
/// node → gateway: `(leave_atom, drain_ms)`: the node stops (SIGTERM). It
/// gets no more orders and gives back those it has not started; its running
/// jobs get `drain_ms`, then count as interrupted. Answered with `ok_atom`
/// once the server holds nothing of the node; gateway → supervisor as
/// `(leave_atom, node_name, drain_ms)`.
using leave_atom = caf::atom_constant<caf::atom("leave")>;
/// gateway → supervisor: `(workers_joined_atom, node_name, address,
/// std::vector<std::string> types, std::vector<caf::actor> stand_ins)`: new
/// worker slots, run by that node; answered with the server's incarnation.
using workers_joined_atom = caf::atom_constant<caf::atom("joined")>;

} // namespace troupe::detail
