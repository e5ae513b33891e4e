// The supervisor's state, built from named parts, and the functions over it.
//
// The supervisor actor (supervisor.cpp) only wires messages to the units that
// act on this state, each in a file named for its responsibility:
// - intake.cpp: submissions, validation, idempotency keys;
// - write_behind.cpp: batching writes to the store, acknowledging after commit;
// - dispatch.cpp: ready queue → leases → workers, withdrawals, worker reports,
//   worker restarts;
// - lifecycle.cpp: retries, timeouts, terminal states, timers and retention;
// - queries.cpp: status, wait, watch, list, stats;
// - recovery.cpp: rebuilding the jobs a store holds at start.
// The plain parts (ready_queue, lease_table, deadline_queue, job_table,
// engine_counters) own no actor and are tested on their own.
#pragma once

#include "supervisor/deadline_queue.hpp"
#include "supervisor/engine_counters.hpp"
#include "internal_protocol.hpp"
#include "supervisor/job_table.hpp"
#include "supervisor/lease_table.hpp"
#include "supervisor/ready_queue.hpp"
#include "supervisor/recent_results.hpp"
#include "troupe/engine_config.hpp"
#include "troupe/protocol.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/response_promise.hpp>
#include <caf/stateful_actor.hpp>

#include <deque>
#include <optional>
#include <random>
#include <set>
#include <unordered_map>

namespace troupe::detail {

using time_point = clock::time_point;

enum class timer_kind : uint8_t { ready, timeout, grace, drain_deadline, node_deadline, wait };

struct timer_event {
  timer_kind kind;
  /// The job, or for `node_deadline` the node's join number.
  uint64_t seq = 0;
  /// The lease, or for `wait` the long-poll's number.
  uint64_t lease = 0;
};

using timer_handle = deadline_queue<clock::time_point, timer_event>::handle;

/// A submission (one job, or a `submit_many`) waiting for its inserts to
/// commit.
struct pending_submit {
  caf::response_promise promise;
  /// Answered as `(id, created)` rather than a vector.
  bool single = true;
  std::vector<submit_outcome> outcomes;
  /// Per outcome, the idempotency key that matched an earlier submission
  /// (empty for created jobs): that job must still be known when answering.
  std::vector<std::string> matched_keys;
};

/// Writes for the store, and what waits for their commit.
struct write_batch {
  std::vector<store_write> writes;
  std::vector<run_batch> runs;
  std::vector<pending_submit> submits;

  bool empty() const { return writes.empty() && submits.empty() && runs.empty(); }
};

/// A finished job, until its result expires: 24 bytes, whatever its size.
struct retained_job {
  time_point expires;
  uint64_t seq;
  job_status status;
};

/// Job types, shared by the slots that serve the same ones.
using type_set = std::shared_ptr<const std::set<std::string>>;

struct worker_slot {
  /// Null once the slot's node is lost or gone: it gets no more jobs.
  caf::actor actor;
  std::string name;
  /// The join number of the worker node that runs it; 0 for a local worker.
  uint64_t node = 0;
  /// The job types it runs.
  type_set types;
  /// Its node is leaving: it gets no more jobs.
  bool leaving = false;
  /// Times this supervisor restarted or replaced its worker.
  uint32_t restarts = 0;

  /// Whether it takes new jobs of `type`.
  bool takes(const std::string& type) const { return actor && !leaving && types->count(type) != 0; }
};

enum class node_state : uint8_t { connected, leaving, lost, left };

/// A worker node as the supervisor knows it: connected, leaving, or gone (the
/// last few gone ones are kept to be shown).
struct node_entry {
  /// Join number, unique within the supervisor's life.
  uint64_t id = 0;
  std::string name;
  /// Where the node connected from, as `host:port`.
  std::string address;
  type_set types;
  /// Its worker slots.
  std::vector<size_t> slots;
  node_state state = node_state::connected;
  int64_t connected_since_ms = 0;
  /// The node's request to leave, answered once it holds no lease.
  std::optional<caf::response_promise> leave;
};

struct supervisor_state {
  engine_config config;
  std::shared_ptr<troupe::clock> clock;
  std::shared_ptr<const handler_registry> handlers;
  /// Types accepted for submission: served by a local worker, by a node
  /// connected or seen since the start, or configured for nodes.
  std::set<std::string> known_types;
  /// Random per start; every lease carries it, so a report meant for an
  /// earlier run of the server is recognised.
  uint64_t incarnation = 0;
  std::shared_ptr<troupe::store> store;
  /// Commits writes for a durable store; null for the memory store, whose
  /// writes apply at once.
  caf::actor journal;

  job_table jobs;
  ready_queue ready;
  lease_table leases;
  std::vector<worker_slot> workers;
  /// The types the local workers serve.
  type_set local_types;
  std::vector<node_entry> nodes;
  uint64_t next_node_id = 0;
  /// Counted as nodes come and go (`connected` is counted when stats are read).
  node_stats node_counts;
  deadline_queue<time_point, timer_event> timers;
  /// Earliest tick already scheduled on the clock.
  time_point armed = time_point::max();
  std::unordered_map<uint64_t, timer_handle> timeouts;
  /// The deadlines of long-polls parked in job actors, by job, until the
  /// job finishes (then they are cancelled); numbered by `next_waiter`.
  std::unordered_map<uint64_t, std::vector<std::pair<uint64_t, timer_handle>>> wait_deadlines;
  uint64_t next_waiter = 0;

  /// Idempotency keys of jobs in memory or retained, and the keys of retained
  /// jobs by sequence (to forget them on expiry).
  std::unordered_map<std::string, job_key> idempotency_keys;
  std::unordered_map<uint64_t, std::string> retained_keys;
  /// Finished jobs in order of expiry (one TTL for all keeps this sorted).
  std::deque<retained_job> retained;
  /// The last finished jobs in full, to answer the usual question right
  /// after the end without a trip to the store.
  recent_results recent{0};

  engine_counters counters;
  size_t waiting = 0;
  uint64_t recovered = 0;

  write_batch unflushed;
  bool flush_scheduled = false;
  uint64_t next_batch = 0;
  std::deque<std::pair<uint64_t, std::vector<pending_submit>>> in_flight;
  /// Why the last commit failed; empty while commits succeed.
  std::string store_error;

  bool accepting = true;
  std::optional<caf::response_promise> drain;
  /// The drain is over; its answer waits for the last commits.
  bool drain_settled = false;
  bool stopping = false;

  uint64_t next_seq = 0;
  tag_source tags;
  std::mt19937_64 jitter;

  static inline const char* name = "troupe.supervisor";
};

using self_ptr = caf::stateful_actor<supervisor_state>*;

// -- write_behind.cpp --

/// Adds a write for job `seq` to the next batch and returns the row to fill
/// in with the fields `kind` names. Valid until the next write.
stored_job& write(self_ptr self, write_kind kind, uint64_t seq, const job_entry& job);
/// The finish of job `seq`: the row of its start, if that is the last write
/// of the batch (a start and its finish are then one write), else a new one.
stored_job& write_finish(self_ptr self, uint64_t seq, const job_entry& job);
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
/// A `shutting_down` error once the engine drains.
caf::error refuse_while_draining(self_ptr self);
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
void retain(self_ptr self, uint64_t seq, job_status status, const std::string& key,
            time_point expires);
/// A long-poll on job `seq` ran out: its job actor answers it with the job
/// as it is now.
void on_wait_deadline(self_ptr self, uint64_t seq, uint64_t number);
/// Cancels the long-poll deadlines of a job that leaves the table.
void forget_wait_deadlines(self_ptr self, uint64_t seq);
void on_tick(self_ptr self);
void check_drain(self_ptr self);
/// Runs a failed or cancelled job again (see `retry_atom`).
caf::result<std::string> on_retry(self_ptr self, const std::string& id);
caf::result<std::string> on_drain(self_ptr self, int64_t deadline_ms);

// -- nodes.cpp --

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
