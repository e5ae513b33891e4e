// The supervisor's state: a handful of parts that each own their fields, and
// the functions through which the actor acts on them.
//
// The parts hold no actor and are tested on their own: the job table and the
// ready queue, the leases, the worker pool and the node roster, the timers,
// the retention of finished jobs and the idempotency index, the counters, the
// write-behind batch and the drain gate. The supervisor actor (supervisor.cpp)
// wires messages to the functions below, each in a file named for its
// responsibility, in layers (see below).
#pragma once

#include "internal_protocol.hpp"
#include "supervisor/backoff.hpp"
#include "supervisor/drain_gate.hpp"
#include "supervisor/engine_counters.hpp"
#include "supervisor/group_limits.hpp"
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
  /// Limits and usage per job group; the ready queue takes their weights.
  group_limits limits;
  ready_queue ready{[this](const std::string& group) { return limits.weight(group); }};
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

// The functions below come in layers; each calls only those of its own file
// or of layers above it in this list, so no two files call each other.

// -- write_behind.cpp: adding to the next batch --

/// Adds a change to the next batch for the store.
void write(self_ptr self, store_write change);
/// Adds a job's finish, which replaces its start if that is the last write.
void write_finish(self_ptr self, job_finished finish);
void schedule_flush(self_ptr self);

// -- readouts.cpp: what the engine shows, changing nothing --

std::string stats_json(self_ptr self);
std::string workers_json(self_ptr self);
/// Fills each accepted outcome's snapshot from memory (the table or the
/// recent results); a job only the store holds keeps an empty one.
void add_snapshots(self_ptr self, std::vector<submit_outcome>& outcomes);

// -- transitions.cpp: the moves handlers are made of --

void set_status(self_ptr self, job_entry& job, job_status status);
void set_waiting(self_ptr self, job_entry& job, bool waiting);
/// Makes sure a tick reaches us by the earliest deadline we know of.
void arm(self_ptr self);
void add_timer(self_ptr self, time_point when, timer_event event);
/// Applies the restart-intensity policy now, logging a change of health.
void update_health(self_ptr self);
/// Job `seq` finished in `status`, holding idempotency `key`: kept until
/// `expires`, with its full `record` for a while if given.
void retain(self_ptr self, uint64_t seq, job_status status, const std::string& key,
            time_point expires, std::optional<job_record> record = std::nullopt);
void finish(self_ptr self, uint64_t seq, job_entry& job, job_status status, std::string result,
            std::string error);
void attempt_failed(self_ptr self, uint64_t seq, job_entry& job, std::string error, bool permanent);
/// Long-poll `number` on job `seq` ends before the job does.
void answer_wait(self_ptr self, uint64_t seq, uint64_t number);
void enqueue(self_ptr self, uint64_t seq, job_entry& job);
void dequeue(self_ptr self, uint64_t seq, job_entry& job);
/// Queues a job at `ready_at`: now if that has come, else on a timer.
void queue_at(self_ptr self, uint64_t seq, job_entry& job, time_point ready_at);
/// Releases a lease and its timeout, if still held.
std::optional<lease_entry> release_lease(self_ptr self, uint64_t lease);
/// Raises the token of a running lease on its worker.
void send_stop(self_ptr self, uint64_t lease);
/// Asks a worker to give back unstarted leases (marked withdrawing), with the
/// next batch, behind the orders sent before.
void send_withdrawal(self_ptr self, size_t slot, std::vector<uint64_t> leases);
/// The same for the leases of every slot.
void send_withdrawals(self_ptr self, std::vector<std::vector<uint64_t>> per_slot);
void take_back_leases(self_ptr self, size_t slot, const std::string& error);
/// Ends every lease `slot` holds: a started attempt failed with `error`, an
/// unstarted job goes back to the queue; the slot takes no more jobs.
void end_slot_leases(self_ptr self, size_t slot, const std::string& error);
/// Forgets a job whose insert could not be committed: it was never accepted.
void drop_job(self_ptr self, uint64_t seq);
/// Takes an unfinished job the store holds into the table, counted, with its
/// idempotency key; the caller queues it.
job_entry& adopt(self_ptr self, const stored_job& row, const job_key& key);
/// A `queue_full` error while the pending jobs fill the queue.
caf::error refuse_when_full(self_ptr self);

// -- commits.cpp: batches to the store, answers after their commit --

void flush(self_ptr self);
/// The journal's answer on the batches up to `last` (error empty: committed).
void on_journal_answer(self_ptr self, uint64_t last, const std::string& error);
void answer_drain_when_committed(self_ptr self);

// -- drain.cpp --

caf::result<std::string> on_drain(self_ptr self, int64_t deadline_ms);
/// Settles a drain once no job runs.
void check_drain(self_ptr self);
/// Settles a drain now: what still runs is stopped.
void complete_drain(self_ptr self);

// -- node_events.cpp: nodes joining, leaving and lost --

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

// -- dispatch.cpp: ready jobs to workers, their reports, worker restarts --

void dispatch(self_ptr self);
void on_report(self_ptr self, run_report& report);
/// A worker would start a gated lease: its start is written, and the worker
/// is let go once that is stored (unless the lease is being taken back).
void let_go(self_ptr self, uint64_t lease);
void on_withdrawn(self_ptr self, lease_list& given_back);
void on_progress(self_ptr self, uint64_t lease, double fraction, std::string& message);
void start_worker(self_ptr self, size_t slot);
void on_worker_down(self_ptr self, const caf::down_msg& down);
/// Replaces a worker stuck in a timed-out handler.
void replace_worker(self_ptr self, size_t slot);

// -- intake.cpp, queries.cpp, lifecycle.cpp, recovery.cpp, limit_handlers.cpp: the handlers --

caf::result<std::string, bool> on_submit(self_ptr self, std::string& type, std::string& payload,
                                         job_options& opts);
caf::result<std::vector<submit_outcome>> on_submit_many(self_ptr self,
                                                        std::vector<job_request>& jobs);
caf::result<std::string> on_status(self_ptr self, const std::string& id);
caf::result<std::string> on_wait(self_ptr self, const std::string& id, int64_t wait_ms);
caf::result<caf::ok_atom> on_watch(self_ptr self, const std::string& id);
caf::result<std::string> on_cancel(self_ptr self, const std::string& id);
caf::result<std::string> on_list(self_ptr self, const job_filter& filter);
void on_tick(self_ptr self);
/// Runs a failed or cancelled job again (see `retry_atom`).
caf::result<std::string> on_retry(self_ptr self, const std::string& id);
void recover(self_ptr self, std::vector<stored_job>& rows);
/// Sets the limit of a group (`*`: the default) from its JSON.
caf::result<std::string> on_set_limit(self_ptr self, const std::string& group,
                                      const std::string& limit_json);
caf::result<std::string> on_get_limit(self_ptr self, const std::string& group);
/// At most `count` limits of the groups named after `after`, by name.
std::string on_list_limits(self_ptr self, const std::string& after, int64_t count);
/// Removes the limit of a group; answers the state it had.
caf::result<std::string> on_remove_limit(self_ptr self, const std::string& group);

} // namespace troupe::detail
