// Messages between the engine's own actors: supervisor, journal, workers and
// job actors. Not part of the public API; they may change freely.
//
// Fencing: every dispatch of a job to a worker is a *lease* with a number
// unique within the supervisor. Workers echo the lease in every report, and
// the supervisor applies a report only if the lease is still the job's
// current one, so a late result from a timed-out attempt, or a duplicate from
// a worker that was replaced, can never overwrite the job's true state.
//
// Everything between the supervisor and its workers is a plain value with an
// `inspect` overload, registered by `add_message_types`: no pointers, tokens
// or closures travel, so a worker may live in another process. Leases go out
// in batches and reports come back in batches (see run_queue.hpp for when a
// worker sends one).
#pragma once

#include "troupe/handler.hpp"
#include "troupe/job.hpp"
#include "troupe/store.hpp"

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/meta/type_name.hpp>

#include <string>
#include <vector>

namespace troupe::detail {

// -- supervisor <-> worker (wire forms) --

/// One job handed to a worker.
struct run_order {
  uint64_t lease = 0;
  /// The server run that granted the lease (see node_protocol.hpp).
  uint64_t incarnation = 0;
  std::string id;
  int32_t attempt = 0;
  std::string type;
  /// JSON text.
  std::string payload;
  /// The worker runs what it holds by priority; within a priority, in the
  /// order the orders came (the groups' turns), except that a job goes before
  /// the later-submitted (`seq`) jobs of its group queued behind the last
  /// other group's: a job withdrawn and handed out again keeps its place.
  int32_t priority = 0;
  uint64_t seq = 0;
  /// The job's last attempt, with a durable store: the runner starts it only
  /// once the supervisor let it `go`, after the start is stored, so that a
  /// crash can never run a last attempt twice.
  bool gated = false;
  /// The job's group ("" for none).
  std::string group{};
};

template <class Inspector> typename Inspector::result_type inspect(Inspector& f, run_order& x) {
  return f(caf::meta::type_name("troupe.run_order"), x.lease, x.incarnation, x.id, x.attempt,
           x.type, x.payload, x.priority, x.seq, x.gated, x.group);
}

/// How an attempt ended.
enum class run_outcome : uint8_t {
  /// `text` is the result as JSON.
  success,
  /// `text` is the error; retry if attempts remain.
  failure,
  /// `text` is the error; no retry can help.
  permanent_failure,
  /// The handler asked for its worker to die (`worker_fault`); `text` says why.
  worker_fault,
};

/// A worker's report on one lease.
struct run_result {
  uint64_t lease = 0;
  /// The incarnation of the lease's order.
  uint64_t incarnation = 0;
  /// A `run_outcome`, as its number.
  uint8_t outcome = 0;
  std::string text;
  /// How long the attempt ran, as the worker measured it.
  int64_t duration_us = 0;
};

template <class Inspector> typename Inspector::result_type inspect(Inspector& f, run_result& x) {
  return f(caf::meta::type_name("troupe.run_result"), x.lease, x.incarnation, x.outcome, x.text,
           x.duration_us);
}

/// What a worker tells the supervisor, in order: the attempts it finished
/// (each implies that it started, since a worker runs its leases in the
/// order it got them), then the lease it runs now (0: none or reported),
/// then the gated lease it would start next and waits for the `go` of (0:
/// none).
struct run_report {
  std::vector<run_result> finished;
  uint64_t started = 0;
  uint64_t ready = 0;
};

template <class Inspector> typename Inspector::result_type inspect(Inspector& f, run_report& x) {
  return f(caf::meta::type_name("troupe.run_report"), x.finished, x.started, x.ready);
}

/// A list of leases (CAF 0.17 has no built-in `std::vector<uint64_t>`).
struct lease_list {
  std::vector<uint64_t> leases;
};

template <class Inspector> typename Inspector::result_type inspect(Inspector& f, lease_list& x) {
  return f(caf::meta::type_name("troupe.lease_list"), x.leases);
}

/// Jobs for one worker, run in order: `(run_atom, std::vector<run_order>)`,
/// from the journal once the batch before them is committed (or from the supervisor
/// with a store that needs no commit).
using run_atom = caf::atom_constant<caf::atom("run")>;
/// worker → supervisor: `(report_atom, run_report)`.
using report_atom = caf::atom_constant<caf::atom("report")>;
/// worker → supervisor: `(progress_atom, lease, fraction, message)`.
using progress_atom = caf::atom_constant<caf::atom("progress")>;
/// supervisor → worker: `(withdraw_atom, lease_list)`: give these leases back
/// unless started; answered by `(withdrawn_atom, lease_list)` naming those
/// given back (never started, no attempt spent).
using withdraw_atom = caf::atom_constant<caf::atom("withdraw")>;
using withdrawn_atom = caf::atom_constant<caf::atom("withdrawn")>;
/// supervisor → worker: `(stop_atom, lease_list)`: raise the cancellation
/// token of these running leases (cancel, timeout, shutdown).
using stop_atom = caf::atom_constant<caf::atom("stop")>;
/// supervisor (through the journal, once the starts are stored) → worker:
/// `(go_atom, lease_list)`: these gated leases may start.
using go_atom = caf::atom_constant<caf::atom("go")>;
/// stand-in → supervisor: `(stale_atom, count)`: results a node sent on
/// leases it did not hold, dropped.
using stale_atom = caf::atom_constant<caf::atom("stale")>;

/// What one worker is handed in a batch: new orders, gated leases that may
/// start, and leases it is asked to give back. They go out in that order,
/// after the batch's writes are committed, so that neither a `go` nor a
/// withdrawal overtakes the order it names, and a `go` follows the stored
/// start.
struct run_batch {
  caf::actor worker;
  std::vector<run_order> orders;
  std::vector<uint64_t> withdraw;
  std::vector<uint64_t> go;
};

/// Sends a run batch to its worker: the orders, the go, the withdrawal.
template <class Sender> void hand_over(Sender* self, run_batch& run) {
  if (!run.orders.empty())
    self->send(run.worker, run_atom::value, std::move(run.orders));
  if (!run.go.empty())
    self->send(run.worker, go_atom::value, lease_list{std::move(run.go)});
  if (!run.withdraw.empty())
    self->send(run.worker, withdraw_atom::value, lease_list{std::move(run.withdraw)});
}

// -- supervisor -> job actor --

/// The job reached a terminal state: `(finish_atom, job_json)`.
using finish_atom = caf::atom_constant<caf::atom("finish")>;

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
/// supervisor → journal: `(retry_atom, id, now_ms)` puts a failed or cancelled
/// job back to pending in the store (see `stored_requeue`), answered with its
/// `stored_job` row as it is now.
///
/// supervisor → journal: `(finished_list_atom, job_filter, before_seq)`
/// lists terminal jobs in the store, newest first, submitted before
/// `before_seq`: answered with their ids and, in
/// the same order, their snapshots (two `std::vector<std::string>`).
using finished_list_atom = caf::atom_constant<caf::atom("donelist")>;

// -- timers --

/// The supervisor's timer wake-up: `(tick_atom)`.
using tick_atom = caf::atom_constant<caf::atom("tick")>;
/// supervisor → job actor: a long-poll ran out: `(timeout_atom,
/// waiter_number, job_json)`, the job as it is now.
using timeout_atom = caf::atom_constant<caf::atom("timeout")>;

} // namespace troupe::detail

// Local only: the journal runs in the supervisor's process.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<troupe::store_write>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<troupe::detail::run_batch>)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(troupe::stored_job)
