// The job actor: one per job, the single owner of that job's state.
//
// It answers status queries and long-polls, notifies watchers once the job is
// terminal, and applies the state changes the supervisor sends it. After the
// job's result TTL the supervisor tells it to expire and it frees its memory.
#pragma once

#include "detail/job_record.hpp"
#include "troupe/clock.hpp"

#include <caf/behavior.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>

#include <map>
#include <memory>
#include <vector>

namespace troupe::detail {

struct job_actor_state {
  job_record job;
  std::shared_ptr<troupe::clock> clock;
  /// Actors to tell once the job is terminal.
  std::vector<caf::actor> watchers;
  /// Parked long-polls, by number, answered when terminal or timed out.
  std::map<uint64_t, caf::response_promise> waiters;
  uint64_t next_waiter = 0;

  static inline const char* name = "troupe.job";
};

caf::behavior job_actor(caf::stateful_actor<job_actor_state>* self, job_record job,
                        std::shared_ptr<troupe::clock> clock);

} // namespace troupe::detail
