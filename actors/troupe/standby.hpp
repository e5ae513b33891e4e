// The stand-in for a supervisor while this server is not the active one.
//
// Several servers may share one PostgreSQL database; one runs the jobs and
// the others wait to take over (troupe/store.hpp). A waiting server still
// serves HTTP, so that a load balancer's health checks see it and send the
// clients to the active one: its HTTP gateway talks to this actor, which
// speaks the supervisor's protocol (troupe/protocol.hpp) and refuses every
// request with `errc::standby`, except `stats_atom`, answered with the
// role `standby` and the active server's term as last seen. Once this server
// takes over, the gateway is pointed at the real supervisor.
#pragma once

#include "troupe/store.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/atom.hpp>

namespace troupe {

/// Tells the stand-in the active server's term: `(term_atom, epoch,
/// since_ms)`.
using term_atom = caf::atom_constant<caf::atom("term")>;

/// The refusal a standby gives, naming the active server's epoch.
caf::error standby_refusal(int64_t active_epoch);

/// Spawns the stand-in; it runs until it receives an exit message.
caf::actor spawn_standby(caf::actor_system& sys);

/// Tells the stand-in what the database shows of the active server.
void report_active_term(const caf::actor& standby, const store_leadership& active);

} // namespace troupe
