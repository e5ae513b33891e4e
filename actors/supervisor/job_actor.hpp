// The job actor: the per-job actor that long-polls and watchers talk to.
//
// It is spawned on demand, by the first wait or watch on a job that has not
// finished, and ends once the job has finished and it has answered everyone:
// a job nobody waits for costs no actor at all. It parks long-polls and
// watchers; the supervisor sends it the job's final snapshot. The long-polls'
// deadlines live in the supervisor's timer set (one wake-up of the clock for
// many deadlines, instead of one per long-poll); a long-poll that runs out is
// answered with the snapshot the supervisor sends with its timeout.
#pragma once

#include <caf/behavior.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace troupe::detail {

struct job_actor_state {
  /// The job's id, for whoever inspects the actor.
  std::string id;
  /// Actors to tell once the job is terminal.
  std::vector<caf::actor> watchers;
  /// Parked long-polls, by the number the supervisor gave them, answered
  /// when terminal or timed out.
  std::map<uint64_t, caf::response_promise> waiters;

  static inline const char* name = "troupe.job";
};

/// Messages from the supervisor: `(wait_atom, waiter_number)` and
/// `(watch_atom)`, delegated; `(timeout_atom, waiter_number, job_json)` once
/// that long-poll's wait ran out; `(finish_atom, job_json)` once the job is
/// terminal.
caf::behavior job_actor(caf::stateful_actor<job_actor_state>* self, std::string id);

} // namespace troupe::detail
