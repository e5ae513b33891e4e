// Messages between the engine's own actors: supervisor, journal, workers and
// job actors. Not part of the public API; they may change freely.
//
// Fencing: every dispatch of a job to a worker is a *lease* with a number
// unique within the supervisor. Workers echo the lease in every report, and
// the supervisor applies a report only if the lease is still the job's
// current one, so a late result from a timed-out attempt, or a duplicate from
// a worker that was replaced, can never overwrite the job's true state.
#pragma once

#include "troupe/handler.hpp"
#include "troupe/job.hpp"
#include "troupe/store.hpp"

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>

#include <memory>
#include <string>
#include <vector>

namespace troupe::detail {

// -- supervisor <-> worker --

/// One job handed to a worker.
struct run_order {
  std::string id;
  uint64_t lease;
  int32_t attempt;
  std::string type;
  std::string payload;
  /// Raised on cancel, timeout, shutdown, or when the lease is withdrawn
  /// before the worker started it (the worker then skips the job).
  std::shared_ptr<cancellation_token> token;
};

/// How an attempt ended.
enum class run_outcome : uint8_t {
  /// `text` is the result as JSON.
  success,
  /// `text` is the error; retry if attempts remain.
  failure,
  /// `text` is the error; no retry can help.
  permanent_failure,
  /// The lease was withdrawn before the worker started it; nothing ran.
  skipped,
};

/// Jobs for one worker. The journal hands them over once their claims are
/// committed, so that no attempt can run that a restart would not count.
struct run_batch {
  caf::actor worker;
  std::vector<run_order> orders;
};

/// A worker's report on one lease.
struct run_report {
  std::string id;
  uint64_t lease;
  run_outcome outcome;
  std::string text;
};

/// journal → worker (for the supervisor, once the claims are committed):
/// `(run_atom, std::vector<run_order>)`, run in order.
using run_atom = caf::atom_constant<caf::atom("run")>;
/// worker → supervisor: `(started_atom, id, lease)`;
/// supervisor → job actor: `(started_atom, attempt, worker, epoch_ms)`.
using started_atom = caf::atom_constant<caf::atom("started")>;
/// worker → supervisor: `(report_atom, run_report)`.
using report_atom = caf::atom_constant<caf::atom("report")>;
/// worker → supervisor: `(progress_atom, id, lease, fraction, message)`;
/// supervisor → job actor: `(progress_atom, fraction, message)`.
using progress_atom = caf::atom_constant<caf::atom("progress")>;

// -- supervisor -> job actor --

/// The attempt failed and the job waits for a retry: `(retry_atom, error)`.
using retry_atom = caf::atom_constant<caf::atom("retry")>;
/// The job reached a terminal state: `(finish_atom, job_status, result_json,
/// error, epoch_ms)`.
using finish_atom = caf::atom_constant<caf::atom("finish")>;
/// The job's TTL expired; the job actor terminates: `(expire_atom)`.
using expire_atom = caf::atom_constant<caf::atom("expire")>;

// -- supervisor <-> journal --

/// supervisor → journal: `(journal_atom, batch_number, std::vector<store_write>,
/// std::vector<run_batch>)`; batch numbers count up from 1 without gaps. The
/// journal sends each run batch to its worker once the writes are committed;
/// if they fail, it hands the runs back with `commit_failed_atom`.
using journal_atom = caf::atom_constant<caf::atom("journal")>;
/// journal → supervisor: every batch up to `(committed_atom, last_batch)` is
/// committed.
using committed_atom = caf::atom_constant<caf::atom("committed")>;
/// journal → supervisor: the batches `(commit_failed_atom, first, last,
/// error_text, std::vector<run_batch>)` were rolled back; nothing of them is
/// stored. The supervisor starts the runs itself once it has withdrawn those
/// of jobs it refused.
using commit_failed_atom = caf::atom_constant<caf::atom("commitfail")>;
/// Sent by an actor to itself to act once the messages already in its mailbox
/// are handled: `(flush_atom)`. Batches all the writes they caused.
using flush_atom = caf::atom_constant<caf::atom("flush")>;

// -- timers --

/// The supervisor's timer wake-up: `(tick_atom)`.
using tick_atom = caf::atom_constant<caf::atom("tick")>;
/// A long-poll ran out: `(timeout_atom, waiter_number)`.
using timeout_atom = caf::atom_constant<caf::atom("timeout")>;

} // namespace troupe::detail

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<troupe::detail::run_order>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(troupe::detail::run_report)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(troupe::job_status)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<troupe::store_write>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<troupe::detail::run_batch>)
