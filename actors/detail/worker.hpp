// The worker actor: runs one job at a time on its own thread.
//
// Workers are spawned `detached`, so a handler may block for as long as it
// likes without stalling CAF's scheduler. A worker reports `started` before it
// runs a job and a `run_report` after, echoing the lease so the supervisor can
// fence stale reports. A handler that throws `worker_fault` makes the worker
// terminate abnormally, which is what the supervisor's restart logic is for.
#pragma once

#include "troupe/handler.hpp"

#include <caf/actor.hpp>
#include <caf/behavior.hpp>
#include <caf/event_based_actor.hpp>

#include <memory>
#include <string>

namespace troupe::detail {

caf::behavior worker(caf::event_based_actor* self, caf::actor supervisor,
                     std::shared_ptr<const handler_registry> handlers);

} // namespace troupe::detail
