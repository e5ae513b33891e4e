// The supervisor's state: a handful of parts that each own their fields, and
// the functions through which the actor acts on them.
//
// The parts hold no actor and are tested on their own: the job table and the
// ready queue, the leases, the worker pool and the node roster, the timers,
// the retention of finished jobs and the idempotency index, the counters, the
// write-behind batch and the drain gate. The supervisor actor (supervisor.cpp)
// wires messages to the functions below, each in a file named for its
// responsibility:
// - intake.cpp: submissions, validation, idempotency keys;
// - write_behind.cpp: batches to the store, answers after their commit;
// - dispatch.cpp: ready queue → leases → workers, withdrawals, worker
//   reports, worker restarts;
// - lifecycle.cpp: retries, timeouts, terminal states, the tick, the drain;
// - queries.cpp: status, wait, watch, list, stats;
// - node_events.cpp: nodes joining, leaving and lost;
// - recovery.cpp: rebuilding the jobs a store holds at start.
#pragma once

#include "internal_protocol.hpp"
#include "supervisor/backoff.hpp"
#include "supervisor/drain_gate.hpp"
#include "supervisor/engine_counters.hpp"
#include "supervisor/idempotency_index.hpp"
#include "supervisor/job_table.hpp"
#include "supervisor/job_timers.hpp"
#include "supervisor/lease_table.hpp"
#include "supervisor/node_roster.hpp"
#include "supervisor/ready_queue.hpp"
#include "supervisor/retention.hpp"
#include "supervisor/worker_pool.hpp"
#include "supervisor/write_behind.hpp"
#include "troupe/engine_config.hpp"
#include "troupe/protocol.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>

namespace troupe::detail {

using time_point = clock::time_point;

struct supervisor_state {
  /// With its clock and store set.
  engine_config config;
  /// Commits writes for a durable store; null for the memory store, whose
  /// writes apply at once.
  caf::actor journal;
  /// Random per start; every lease carries it, so a report meant for an
  /// earlier run of the server is recognised.
  uint64_t incarnation = 0;

  job_table jobs;
  ready_queue ready;
  lease_table leases;
  worker_pool workers;
  node_roster nodes;
  job_timers timers;
  retention finished;
  idempotency_index keys;
  engine_counters counters;
  write_behind writes;
  drain_gate gate;
  retry_backoff backoff;

  time_point now() const { return config.clock->now(); }
  troupe::store& store() const { return *config.store; }

  static inline const char* name = "troupe.supervisor";
};

using self_ptr = caf::stateful_actor<supervisor_state>*;

// -- write_behind.cpp --

/// Adds a write for job `seq` to the next batch and returns the row to fill
/// in with the fields `kind` names. Valid until the next write.
stored_job& write(self_ptr self, write_kind kind, uint64_t seq, const job_entry& job);
/// The finish of job `seq`: the row of its start, if that is the last write
/// of the batch (a start and its finish are then one write), else a new one.
stored_job& write_finish(self_ptr self, uint64_t seq);
void write_purge(self_ptr self, int64_t cutoff_ms);
void schedule_flush(self_ptr self);
void flush(self_ptr self);
/// The journal's answer on the batches up to `last` (error empty: committed).
void on_journal_answer(self_ptr self, uint64_t last, const std::string& error);
void answer_drain_when_committed(self_ptr self);

// -- intake.cpp --

caf::result<std::string, bool> on_submit(self_ptr self, std::string& type, std::string& payload,
                                         job_options& opts);
caf::result<std::vector<submit_outcome>> on_submit_many(self_ptr self,
                                                        std::vector<job_request>& jobs);
/// A `queue_full` error while the pending jobs fill the queue.
caf::error refuse_when_full(self_ptr self);
/// Forgets a job whose insert could not be committed: it was never accepted.
void drop_job(self_ptr self, uint64_t seq);

// -- dispatch.cpp --

void enqueue(self_ptr self, uint64_t seq, job_entry& job);
void dequeue(self_ptr self, uint64_t seq, job_entry& job);
/// Queues a job at `ready_at`: now if that has come, else on a timer.
void queue_at(self_ptr self, uint64_t seq, job_entry& job, time_point ready_at);
void dispatch(self_ptr self);
/// Asks the workers to give back unstarted leases (marked withdrawing),
/// with the next batch, behind the orders sent before.
void send_withdrawals(self_ptr self, std::vector<std::vector<uint64_t>> per_slot);
/// The same for leases of one worker.
void send_withdrawal(self_ptr self, size_t slot, std::vector<uint64_t> leases);
/// Raises the token of a running lease on its worker.
void send_stop(self_ptr self, uint64_t lease);
void on_report(self_ptr self, run_report& report);
/// A worker would start a gated lease: its start is written, and the worker
/// is let go once that is stored (unless the lease is being taken back).
void let_go(self_ptr self, uint64_t lease);
void on_withdrawn(self_ptr self, lease_list& given_back);
void on_progress(self_ptr self, uint64_t lease, double fraction, std::string& message);
void start_worker(self_ptr self, size_t slot);
void on_worker_down(self_ptr self, const caf::down_msg& down);
void replace_worker(self_ptr self, size_t slot);
/// Ends every lease `slot` holds: a started attempt failed with `error`, an
/// unstarted job goes back to the queue; the slot takes no more jobs.
void end_slot_leases(self_ptr self, size_t slot, const std::string& error);
/// Releases a lease and its timeout, if still held.
std::optional<lease_entry> release_lease(self_ptr self, uint64_t lease);

// -- lifecycle.cpp --

void set_status(self_ptr self, job_entry& job, job_status status);
/// Applies the restart-intensity policy now, logging a change of health.
void update_health(self_ptr self);
void set_waiting(self_ptr self, job_entry& job, bool waiting);
void add_timer(self_ptr self, time_point when, timer_event event);
/// Makes sure a tick reaches us by the earliest deadline we know of.
void arm(self_ptr self);
void finish(self_ptr self, uint64_t seq, job_entry& job, job_status status, std::string result,
            std::string error);
void attempt_failed(self_ptr self, uint64_t seq, job_entry& job, std::string error, bool permanent);
/// Job `seq` finished in `status`, holding idempotency `key`: kept until
/// `expires`, with its full `record` for a while if given.
void retain(self_ptr self, uint64_t seq, job_status status, const std::string& key,
            time_point expires, std::optional<job_record> record = std::nullopt);
void on_tick(self_ptr self);
void check_drain(self_ptr self);
/// Runs a failed or cancelled job again (see `retry_atom`).
caf::result<std::string> on_retry(self_ptr self, const std::string& id);
caf::result<std::string> on_drain(self_ptr self, int64_t deadline_ms);

// -- node_events.cpp --

/// A node joined with `stand_ins`, the local stand-ins of its workers.
void on_node_joined(self_ptr self, const std::string& name, const std::string& address,
                    const std::vector<std::string>& types,
                    const std::vector<caf::actor>& stand_ins);
/// A node asks to leave: it gets no more jobs, gives back what it has not
/// started, and its running jobs get `drain_ms` to finish.
caf::result<caf::ok_atom> on_node_leaving(self_ptr self, const std::string& name, int64_t drain_ms);
/// A node's worker (its stand-in) is gone.
void on_node_worker_down(self_ptr self, size_t slot);
/// Answers the nodes leaving that hold no lease any more.
void check_node_leaves(self_ptr self);
/// A leaving node's drain time ran out.
void on_node_deadline(self_ptr self, uint64_t node_id);
/// The node of a slot, if it is a node's.
node_entry* node_of(self_ptr self, size_t slot);
std::string workers_json(self_ptr self);

// -- queries.cpp --

std::string stats_json(self_ptr self);
caf::result<std::string> on_status(self_ptr self, const std::string& id);
/// Fills each accepted outcome's snapshot from memory (the table or the
/// recent results); a job only the store holds keeps an empty one.
void add_snapshots(self_ptr self, std::vector<submit_outcome>& outcomes);
caf::result<std::string> on_wait(self_ptr self, const std::string& id, int64_t wait_ms);
caf::result<caf::ok_atom> on_watch(self_ptr self, const std::string& id);
caf::result<std::string> on_cancel(self_ptr self, const std::string& id);
caf::result<std::string> on_list(self_ptr self, const std::string& status, const std::string& type,
                                 int64_t limit, const std::string& before);

// -- recovery.cpp --

void recover(self_ptr self, std::vector<stored_job>& rows);
/// Takes an unfinished job the store holds into the table, counted, with its
/// idempotency key; the caller queues it.
job_entry& adopt(self_ptr self, const stored_job& row, const job_key& key);

} // namespace troupe::detail
