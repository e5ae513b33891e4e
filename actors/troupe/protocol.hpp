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
// | submit_many_atom, std::vector<job_request>           | std::vector<submit_outcome>  |
// | status_atom, id                                      | job_json                     |
// | wait_atom, id, wait_ms (int64)                       | job_json, once terminal or   |
// |                                                      | after wait_ms, as it is then |
// | cancel_atom, id                                      | job_json                     |
// | retry_atom, id                                       | job_json (pending again)     |
// | watch_atom, id                                       | ok_atom; later the requester |
// |                                                      | gets finished_atom, job_json |
// | list_atom, job_filter (job.hpp)                      | jobs_json: a JSON array of   |
// |                                                      | job snapshots, newest first  |
// | stats_atom                                           | stats_json                   |
// | workers_atom                                         | workers_json                 |
// | drain_atom, deadline_ms (int64)                      | stats_json, after shutdown   |
//
// `created` is false when an idempotency key matched an existing job; the id
// is then that job's. Errors: submit → unknown_type, invalid_argument,
// queue_full, shutting_down, store_unavailable; status/wait/watch → not_found;
// cancel → not_found, already_terminal; retry → not_found, not_retryable,
// queue_full, shutting_down, store_unavailable. `submit_many` answers once for the
// whole batch, one outcome per job in order: each job is accepted or refused
// on its own (an outcome's `error` says why), as if submitted one by one; a
// whole batch is refused only while shutting down.
//
// stats_json: an `engine_stats` (stats.hpp) as JSON, `nlohmann::json(stats)`;
// read it back with `.get<engine_stats>()`.
//
// workers_json: {"local": {"workers", "busy", "jobs_held", "types", "list"},
// "nodes": [{"name", "address", "state" (connected, leaving, lost or left),
// "connected_since", "workers", "busy", "jobs_held", "types", "list"}]}: the
// nodes connected now and the last few gone ones. "list" has each worker:
// {"name", "state" (idle or busy), "job" (the id it runs, or null),
// "jobs_held", "restarts"}.
//
// list_atom filters by status, type and group (an empty string matches all)
// and answers at most `limit` jobs, each as `status_atom` would. With
// `before` (a job id; empty: none) it answers only jobs submitted before that
// one: the last id of a page is the cursor for the next (invalid_argument if
// `before` is no job id). The older forms `(list_atom, status, type, limit
// [, before])` are still understood.
//
// retry_atom runs a failed or cancelled job again from the start, under the
// same id: it is pending at once with its attempts reset to 0, and its
// result, error, times and worker cleared; its payload and options stay. The
// change is stored before the answer.
//
// Each accepted `submit_outcome` carries the job's snapshot, so a submitter
// needs no status query after it.
//
// Finished jobs are answered from the store for their whole TTL (the engine
// keeps no memory of them beyond a few bytes for the counts).
//
// drain_atom is graceful shutdown: the supervisor refuses new submissions,
// takes back jobs that workers hold but have not started, lets running jobs
// finish until the deadline, then stops what is left through its cancellation
// token. A durable store keeps unfinished jobs for the next start; with the
// memory store they are cancelled.
#pragma once

#include "troupe/job.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>

namespace troupe {

// -- requests to the supervisor --

/// Submits a job: `(submit_atom, type, payload_json, job_options)`.
using submit_atom = caf::atom_constant<caf::atom("submit")>;

/// Submits many jobs in one message: `(submit_many_atom,
/// std::vector<job_request>)`.
using submit_many_atom = caf::atom_constant<caf::atom("submitmany")>;

/// Reads a job's snapshot: `(status_atom, id)`.
using status_atom = caf::atom_constant<caf::atom("status")>;

/// Long-polls a job until it is terminal: `(wait_atom, id, wait_ms)`.
using wait_atom = caf::atom_constant<caf::atom("wait")>;

/// Cancels a job: `(cancel_atom, id)`.
using cancel_atom = caf::atom_constant<caf::atom("cancel")>;

/// Runs a failed or cancelled job again: `(retry_atom, id)`.
using retry_atom = caf::atom_constant<caf::atom("retry")>;

/// Subscribes the requester to a job's terminal state: `(watch_atom, id)`.
using watch_atom = caf::atom_constant<caf::atom("watch")>;

/// Lists jobs, newest first: `(list_atom, job_filter)`.
using list_atom = caf::atom_constant<caf::atom("list")>;

/// Reads the engine's counters: `(stats_atom)`.
using stats_atom = caf::atom_constant<caf::atom("stats")>;

/// Describes the local workers and the worker nodes: `(workers_atom)`.
using workers_atom = caf::atom_constant<caf::atom("workers")>;

/// Sets the limit of a group (`*`: the default) with
/// `(limit_atom, group, limit_json)`, answered with its `group_limit_state`
/// as JSON; reads it with `(limit_atom, group)` (not_found without one).
using limit_atom = caf::atom_constant<caf::atom("limit")>;

/// Lists groups' limits by name: `(limits_atom, after, count)`, a JSON array
/// of at most `count` states of the groups named after `after` ("" first).
using limits_atom = caf::atom_constant<caf::atom("limits")>;

/// Removes a group's limit: `(unlimit_atom, group)`, answered with the state
/// it had, as JSON (not_found without one).
using unlimit_atom = caf::atom_constant<caf::atom("unlimit")>;

/// Shuts the engine down gracefully: `(drain_atom, deadline_ms)`.
using drain_atom = caf::atom_constant<caf::atom("drain")>;

// -- notifications from the engine --

/// Sent to each watcher once: `(finished_atom, job_json)`.
using finished_atom = caf::atom_constant<caf::atom("finished")>;

/// Registers the protocol's own types (`job_options`, `job_request`,
/// `submit_outcome`, and the engine's internal wire messages) with a config,
/// so that they can cross CAF nodes. Call before constructing the system.
void add_message_types(caf::actor_system_config& cfg);

} // namespace troupe
