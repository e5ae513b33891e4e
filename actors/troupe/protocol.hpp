// The engine's API as messages: what any CAF actor may send to a supervisor,
// and what it answers.
//
// JSON (payloads, results, job snapshots, stats) travels as `std::string`, so
// every message here can cross CAF nodes once `add_message_types` has
// registered `job_options`. Refusals are `caf::error`s of the `troupe`
// category (see errors.hpp); requesters should always set a timeout.
//
// | request                                              | reply                        |
// |------------------------------------------------------|------------------------------|
// | submit_atom, type, payload_json, job_options          | id, created (bool)           |
// | status_atom, id                                      | job_json                     |
// | wait_atom, id, wait_ms (int64)                       | job_json, once terminal or   |
// |                                                      | after wait_ms, as it is then |
// | cancel_atom, id                                      | job_json                     |
// | watch_atom, id                                       | ok_atom; later the requester |
// |                                                      | gets finished_atom, job_json |
// | list_atom, status, type, limit (int64)               | ids_json: a JSON array of    |
// |                                                      | ids, newest first            |
// | stats_atom                                           | stats_json                   |
// | drain_atom, deadline_ms (int64)                      | stats_json, after shutdown   |
//
// `created` is false when an idempotency key matched an existing job; the id
// is then that job's. Errors: submit → unknown_type, invalid_argument,
// queue_full, shutting_down; status/wait/watch → not_found; cancel → not_found,
// already_terminal.
//
// stats_json: {"jobs": {"pending", "running", "success", "failed",
// "cancelled"}, "queue": {"depth", "delayed", "capacity"}, "workers": {"total",
// "busy", "restarts", "replaced"}, "submitted_total", "healthy", "accepting",
// "types": {type: {"submitted", "success", "failed", "cancelled"}},
// "duration_seconds": {"le": [bounds...], "counts": [per bucket, last is +Inf],
// "sum", "count"}} — the duration is the final attempt's, started to finished.
//
// list_atom filters by status and type (an empty string matches all) and
// answers at most `limit` ids; status/wait fetch the jobs themselves.
//
// drain_atom is graceful shutdown: the supervisor refuses new submissions,
// lets running jobs finish until the deadline, then cancels what is left
// (running ones through their cancellation token) and answers.
#pragma once

#include "troupe/job.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>

namespace troupe {

// -- requests to the supervisor --

/// Submits a job: `(submit_atom, type, payload_json, job_options)`.
using submit_atom = caf::atom_constant<caf::atom("submit")>;

/// Reads a job's snapshot: `(status_atom, id)`.
using status_atom = caf::atom_constant<caf::atom("status")>;

/// Long-polls a job until it is terminal: `(wait_atom, id, wait_ms)`.
using wait_atom = caf::atom_constant<caf::atom("wait")>;

/// Cancels a job: `(cancel_atom, id)`.
using cancel_atom = caf::atom_constant<caf::atom("cancel")>;

/// Subscribes the requester to a job's terminal state: `(watch_atom, id)`.
using watch_atom = caf::atom_constant<caf::atom("watch")>;

/// Lists job ids, newest first: `(list_atom, status, type, limit)`.
using list_atom = caf::atom_constant<caf::atom("list")>;

/// Reads the engine's counters: `(stats_atom)`.
using stats_atom = caf::atom_constant<caf::atom("stats")>;

/// Shuts the engine down gracefully: `(drain_atom, deadline_ms)`.
using drain_atom = caf::atom_constant<caf::atom("drain")>;

// -- notifications from the engine --

/// Sent to each watcher once: `(finished_atom, job_json)`.
using finished_atom = caf::atom_constant<caf::atom("finished")>;

/// Registers the protocol's own types (`job_options`) with a config, so that
/// submissions can cross CAF nodes. Call before constructing the system.
void add_message_types(caf::actor_system_config& cfg);

} // namespace troupe
