#include "troupe/standby.hpp"

#include "troupe/errors.hpp"
#include "troupe/protocol.hpp"
#include "troupe/stats.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

namespace troupe {

namespace {

// Spawned with the active's term as first known (CAF 0.17 dereferences a
// null argument tuple for an actor spawned without arguments).
caf::behavior standby(caf::event_based_actor* self, store_leadership first_known) {
  auto active = std::make_shared<store_leadership>(first_known);
  self->set_default_handler([active](caf::scheduled_actor*, caf::message_view&) {
    return caf::result<caf::message>{standby_refusal(active->epoch)};
  });
  return {
    [active](term_atom, int64_t epoch, int64_t since_ms) {
      *active = {epoch, since_ms};
    },
    [active](stats_atom) {
      engine_stats stats;
      stats.leader = leader_stats::of_term("standby", active->epoch, active->since_ms);
      stats.accepting = false;
      return nlohmann::json(stats).dump();
    },
  };
}

} // namespace

caf::error standby_refusal(int64_t active_epoch) {
  return make_error(errc::standby, "this server is a standby; the active server (epoch "
                                     + std::to_string(active_epoch) + ") takes the requests");
}

caf::actor spawn_standby(caf::actor_system& sys) {
  return sys.spawn(standby, store_leadership{});
}

void report_active_term(const caf::actor& standby, const store_leadership& active) {
  caf::anon_send(standby, term_atom::value, active.epoch, active.since_ms);
}

} // namespace troupe
