// The worker actor: holds the jobs leased to it and runs them one at a time.
//
// The actor itself never blocks: it keeps its leases in a `run_queue` and
// answers the supervisor's withdrawals and stops at once, while its runner (a
// thread of its own, so that a handler may block for as long as it likes)
// executes the jobs in the order they came. Reports go out in batches (see
// run_queue.hpp); the worker actor ticks while results wait behind a running
// job, so that a report never waits long behind a slow one. A handler that throws `worker_fault`
// ends the runner with a `worker_fault` report, on which the supervisor
// restarts the worker.
#pragma once

#include "troupe/handler.hpp"

#include <caf/actor.hpp>
#include <caf/behavior.hpp>
#include <caf/blocking_actor.hpp>
#include <caf/event_based_actor.hpp>

#include <memory>
#include <string>

namespace troupe::detail {

class run_queue;

/// Messages: `run_atom`, `withdraw_atom`, `stop_atom` (internal_protocol.hpp).
/// `prefetch` sets how many finished attempts a report may carry. Orders of
/// a type `handlers` lacks are given back at once (`withdrawn_atom`). With an
/// `attempt_log_name`, the start of each attempt is logged under that name
/// (a node's record of what it ran).
caf::behavior worker(caf::event_based_actor* self, caf::actor supervisor,
                     std::shared_ptr<const handler_registry> handlers, size_t prefetch,
                     std::string attempt_log_name);

/// The runner of one worker: takes jobs from `queue` until it is closed.
void runner(caf::blocking_actor* self, std::shared_ptr<run_queue> queue, caf::actor supervisor,
            std::shared_ptr<const handler_registry> handlers, std::string attempt_log_name);

} // namespace troupe::detail
