// The supervisor actor: the engine's single point of truth for the queue.
//
// It accepts submissions (see protocol.hpp), spawns one job actor per job,
// keeps the priority queue, hands jobs to a fixed pool of worker actors a few
// at a time, applies their reports (fenced by lease), retries with backoff,
// enforces timeouts, and restarts workers that die (one-for-one). Every change
// of a job's state goes to the store through the journal actor; a submission
// is answered, and a job handed to a worker, only once that change is
// committed. Everything it knows it learns from messages, so it never locks.
#pragma once

#include "troupe/engine_config.hpp"
#include "troupe/handler.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

#include <memory>

namespace troupe {

/// Spawns a supervisor, its journal and its workers in `sys`, after reading
/// back the jobs of `config.store` (a memory store if null); fails with the
/// store's error if they cannot be read. The handlers must not change
/// afterwards. Stop it with `drain_atom`, then an exit message; it terminates
/// once its store is released.
caf::expected<caf::actor> spawn_supervisor(caf::actor_system& sys, engine_config config,
                                           std::shared_ptr<const handler_registry> handlers);

} // namespace troupe
