// The job actor: the per-job actor that long-polls and watchers talk to.
//
// It is spawned on demand, by the first wait or watch on a job that has not
// finished, and ends once the job has finished and it has answered everyone:
// a job nobody waits for costs no actor at all. It parks long-polls (each with
// its own deadline on the engine's clock) and watchers; the supervisor sends
// it the job's final snapshot. A long-poll that runs out is answered with the
// job's snapshot at that moment, which the job actor asks the supervisor for.
#pragma once

#include "troupe/clock.hpp"

#include <caf/behavior.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace troupe::detail {

struct job_actor_state {
  std::string id;
  caf::actor supervisor;
  std::shared_ptr<troupe::clock> clock;
  /// Actors to tell once the job is terminal.
  std::vector<caf::actor> watchers;
  /// Parked long-polls, by number, answered when terminal or timed out.
  std::map<uint64_t, caf::response_promise> waiters;
  uint64_t next_waiter = 0;

  static inline const char* name = "troupe.job";
};

/// Messages: `(wait_atom, wait_ms)` and `(watch_atom)` delegated by the
/// supervisor; `(finish_atom, job_json)` from it once the job is terminal.
caf::behavior job_actor(caf::stateful_actor<job_actor_state>* self, std::string id,
                        caf::actor supervisor, std::shared_ptr<troupe::clock> clock);

} // namespace troupe::detail
