#include "troupe/supervisor.hpp"

#include "detail/backoff.hpp"
#include "detail/internal_protocol.hpp"
#include "detail/job_actor.hpp"
#include "detail/journal.hpp"
#include "detail/memory_store.hpp"
#include "detail/worker.hpp"
#include "troupe/errors.hpp"
#include "troupe/log.hpp"
#include "troupe/protocol.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <deque>
#include <map>
#include <optional>
#include <random>
#include <thread>
#include <unordered_map>

namespace troupe {

namespace {

using namespace detail;
using time_point = clock::time_point;

// -- bookkeeping types --

/// What the supervisor keeps of a job; the full state lives in its job actor.
struct job_entry {
  caf::actor actor;
  std::string type;
  /// JSON text; kept until the job is terminal, for dispatch.
  std::string payload;
  job_options options;
  job_status status = job_status::pending;
  int32_t attempts = 0;
  /// Submission order, for FIFO within a priority.
  uint64_t seq = 0;
  /// The current lease (0: none). Reports for any other lease are stale.
  uint64_t lease = 0;
  /// Waiting for a timer (delay or retry backoff) before it may be queued.
  bool waiting = false;
  bool queued = false;
  bool cancel_requested = false;
  /// The store holds the job (its insert committed); a submission is
  /// acknowledged only then.
  bool stored = false;
  /// When the latest attempt started, for the duration histogram.
  std::optional<time_point> started_at;
};

/// A submission waiting for its job's insert to commit.
struct pending_submit {
  caf::response_promise promise;
  std::string id;
  bool created;
};

/// Writes for the journal, and what waits for their commit.
struct journal_batch {
  std::vector<store_write> writes;
  std::vector<run_batch> runs;
  std::vector<pending_submit> submits;

  bool empty() const { return writes.empty() && submits.empty() && runs.empty(); }
};

/// Counters of one job type, for metrics.
struct type_counters {
  uint64_t submitted = 0;
  std::array<uint64_t, job_status_count> finished{};
};

/// Upper bounds (seconds) of the job duration histogram's buckets.
constexpr std::array<double, 11> duration_bounds{0.001, 0.005, 0.01, 0.05, 0.1, 0.5,
                                                 1,     5,     10,   30,   60};

enum class timer_kind : uint8_t { ready, timeout, grace, drain_deadline };

struct timer_event {
  timer_kind kind;
  std::string job_id;
  uint64_t lease = 0;
};

using timer_map = std::multimap<time_point, timer_event>;

/// One dispatch of a job to a worker.
struct lease_entry {
  std::string job_id;
  size_t slot;
  std::shared_ptr<cancellation_token> token;
  bool started = false;
  timer_map::iterator timeout;
};

struct worker_slot {
  caf::actor actor;
  std::string name;
  /// Leases handed to this worker that it has not reported on yet.
  std::vector<uint64_t> leases;
};

/// Queue order: higher priority first, then submission order.
using queue_key = std::pair<int32_t, uint64_t>;

struct supervisor_state {
  engine_config config;
  std::shared_ptr<troupe::clock> clock;
  std::shared_ptr<const handler_registry> handlers;
  std::shared_ptr<troupe::store> store;
  caf::actor journal;

  std::unordered_map<std::string, job_entry> jobs;
  std::unordered_map<std::string, std::string> idempotency_keys;
  std::map<queue_key, std::string> ready;
  std::unordered_map<uint64_t, lease_entry> leases;
  std::vector<worker_slot> workers;

  timer_map timers;
  /// Terminal jobs in order of expiry (one TTL for all keeps this sorted).
  std::deque<std::pair<time_point, std::string>> expiries;
  /// Earliest tick already scheduled on the clock.
  time_point armed = time_point::max();

  std::array<size_t, job_status_count> by_status{};
  size_t waiting = 0;
  uint64_t submitted_total = 0;
  std::map<std::string, type_counters> types;
  std::array<uint64_t, duration_bounds.size() + 1> duration_counts{};
  double duration_sum = 0;
  uint64_t duration_count = 0;
  uint64_t restarts = 0;
  uint64_t replaced = 0;
  std::deque<time_point> recent_restarts;
  bool healthy = true;

  /// Changes since the last flush to the journal; the submissions of the
  /// batches sent, in order, until the journal answers for them.
  journal_batch unflushed;
  bool flush_scheduled = false;
  uint64_t next_batch = 0;
  std::deque<std::pair<uint64_t, std::vector<pending_submit>>> in_flight;
  /// Why the last commit failed; empty while commits succeed.
  std::string store_error;
  uint64_t recovered = 0;

  bool accepting = true;
  std::optional<caf::response_promise> drain;
  /// The drain is over; its answer waits for the last commits.
  bool drain_settled = false;
  bool stopping = false;

  uint64_t next_seq = 0;
  uint64_t next_lease = 0;
  std::mt19937_64 jitter;

  static inline const char* name = "troupe.supervisor";
};

using self_ptr = caf::stateful_actor<supervisor_state>*;

// -- small helpers --

std::string new_job_id() {
  std::array<unsigned char, 16> bytes;
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1)
    throw std::runtime_error("RAND_bytes failed: cannot make an unguessable job id");
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | 0x40); // version 4
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80); // RFC 4122 variant
  static constexpr char hex[] = "0123456789abcdef";
  std::string id;
  id.reserve(36);
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10)
      id += '-';
    id += hex[bytes[i] >> 4];
    id += hex[bytes[i] & 0x0f];
  }
  return id;
}

int64_t now_ms(self_ptr self) {
  return to_epoch_ms(self->state.clock->now());
}

void set_status(self_ptr self, job_entry& job, job_status status) {
  auto& counts = self->state.by_status;
  --counts[static_cast<size_t>(job.status)];
  ++counts[static_cast<size_t>(status)];
  job.status = status;
}

void set_waiting(self_ptr self, job_entry& job, bool waiting) {
  if (job.waiting != waiting)
    waiting ? ++self->state.waiting : --self->state.waiting;
  job.waiting = waiting;
}

/// Makes sure a tick reaches us by the earliest deadline we know of.
void arm(self_ptr self) {
  auto& st = self->state;
  auto earliest = time_point::max();
  if (!st.timers.empty())
    earliest = st.timers.begin()->first;
  if (!st.expiries.empty())
    earliest = std::min(earliest, st.expiries.front().first);
  if (earliest < st.armed) {
    st.armed = earliest;
    st.clock->schedule(earliest, caf::actor_cast<caf::actor>(self),
                       caf::make_message(tick_atom::value));
  }
}

timer_map::iterator add_timer(self_ptr self, time_point when, timer_event event) {
  auto i = self->state.timers.emplace(when, std::move(event));
  arm(self);
  return i;
}

// -- journal --

void schedule_flush(self_ptr self) {
  auto& st = self->state;
  if (!st.flush_scheduled) {
    st.flush_scheduled = true;
    self->send(self, flush_atom::value);
  }
}

/// Adds a write for job `id` (submitted as number `seq`) to the next batch and
/// returns the job to fill in with the fields `kind` names. The reference is
/// valid until the next write.
stored_job& write(self_ptr self, write_kind kind, const std::string& id, uint64_t seq) {
  auto& writes = self->state.unflushed.writes;
  writes.push_back(store_write{kind, {}});
  writes.back().job.id = id;
  writes.back().job.seq = seq;
  schedule_flush(self);
  return writes.back().job;
}

/// Adds a purge of the jobs finished at or before `cutoff_ms` to the next batch.
void write_purge(self_ptr self, int64_t cutoff_ms) {
  write(self, write_kind::purge, {}, 0).finished_at_ms = cutoff_ms;
}

/// Sends the changes of every message handled since the last flush to the
/// journal as one batch.
void flush(self_ptr self) {
  auto& st = self->state;
  st.flush_scheduled = false;
  if (st.unflushed.empty())
    return;
  auto batch = ++st.next_batch;
  self->send(st.journal, journal_atom::value, batch, std::move(st.unflushed.writes),
             std::move(st.unflushed.runs));
  st.in_flight.emplace_back(batch, std::move(st.unflushed.submits));
  st.unflushed = journal_batch{};
}

std::string stats_json(self_ptr self) {
  auto& st = self->state;
  auto count = [&](job_status s) { return st.by_status[static_cast<size_t>(s)]; };
  size_t busy = 0;
  for (auto& w : st.workers)
    for (auto lease : w.leases)
      if (st.leases.at(lease).started) {
        ++busy;
        break;
      }
  nlohmann::json j{
    {"jobs",
     {{"pending", count(job_status::pending)},
      {"running", count(job_status::running)},
      {"success", count(job_status::success)},
      {"failed", count(job_status::failed)},
      {"cancelled", count(job_status::cancelled)}}},
    {"queue",
     {{"depth", st.ready.size()}, {"delayed", st.waiting}, {"capacity", st.config.queue_capacity}}},
    {"workers",
     {{"total", st.workers.size()},
      {"busy", busy},
      {"restarts", st.restarts},
      {"replaced", st.replaced}}},
    {"submitted_total", st.submitted_total},
    {"recovered", st.recovered},
    {"healthy", st.healthy},
    {"accepting", st.accepting},
  };
  auto& types = j["types"] = nlohmann::json::object();
  for (auto& [name, c] : st.types)
    types[name] = {{"submitted", c.submitted},
                   {"success", c.finished[static_cast<size_t>(job_status::success)]},
                   {"failed", c.finished[static_cast<size_t>(job_status::failed)]},
                   {"cancelled", c.finished[static_cast<size_t>(job_status::cancelled)]}};
  auto counters = st.store->counters();
  j["store"] = {
    {"name", st.store->name()},
    {"durable", st.store->durable()},
    {"healthy", st.store_error.empty()},
    {"error", st.store_error.empty() ? nlohmann::json(nullptr) : nlohmann::json(st.store_error)},
    {"commits", counters.commits},
    {"writes", counters.writes},
    {"failures", counters.failures}};
  j["duration_seconds"] = {{"le", duration_bounds},
                           {"counts", st.duration_counts},
                           {"sum", st.duration_sum},
                           {"count", st.duration_count}};
  return j.dump();
}

// -- health --

/// Applies the restart-intensity policy to the restarts within the window.
void update_health(self_ptr self) {
  auto& st = self->state;
  auto horizon = st.clock->now() - st.config.restart_window;
  while (!st.recent_restarts.empty() && st.recent_restarts.front() <= horizon)
    st.recent_restarts.pop_front();
  bool healthy = st.recent_restarts.size() <= st.config.max_restarts;
  if (healthy == st.healthy)
    return;
  st.healthy = healthy;
  if (!healthy)
    log_line("restart intensity exceeded: " + std::to_string(st.recent_restarts.size())
             + " worker restarts within " + std::to_string(st.config.restart_window.count())
             + " ms (limit " + std::to_string(st.config.max_restarts)
             + "); engine reports itself unhealthy");
  else
    log_line("worker restarts back within limits; engine healthy again");
}

// -- queue --

void enqueue(self_ptr self, const std::string& id, job_entry& job) {
  set_waiting(self, job, false);
  job.queued = true;
  self->state.ready.emplace(queue_key{-job.options.priority, job.seq}, id);
}

/// Queues a job at `ready_at`: now if that has come, else on a timer.
void queue_at(self_ptr self, const std::string& id, job_entry& job, time_point ready_at) {
  if (ready_at > self->state.clock->now()) {
    set_waiting(self, job, true);
    add_timer(self, ready_at, timer_event{timer_kind::ready, id, 0});
  } else {
    enqueue(self, id, job);
  }
}

void dequeue(self_ptr self, job_entry& job) {
  if (job.queued)
    self->state.ready.erase(queue_key{-job.options.priority, job.seq});
  job.queued = false;
}

/// Hands ready jobs to workers that have room, least loaded first, in one
/// message per worker: a worker thread woken once runs the whole batch.
void dispatch(self_ptr self) {
  auto& st = self->state;
  if (!st.accepting || st.ready.empty())
    return;
  auto room = st.config.prefetch + 1;
  std::vector<std::vector<run_order>> batches(st.workers.size());
  while (!st.ready.empty()) {
    worker_slot* target = nullptr;
    size_t slot = 0;
    for (size_t i = 0; i < st.workers.size(); ++i) {
      auto& w = st.workers[i];
      if (w.leases.size() < room && (!target || w.leases.size() < target->leases.size())) {
        target = &w;
        slot = i;
      }
    }
    if (target == nullptr)
      break;
    auto id = std::move(st.ready.begin()->second);
    st.ready.erase(st.ready.begin());
    auto& job = st.jobs.at(id);
    job.queued = false;
    auto lease = ++st.next_lease;
    job.lease = lease;
    auto token = std::make_shared<cancellation_token>();
    target->leases.push_back(lease);
    st.leases.emplace(lease, lease_entry{id, slot, token, false, st.timers.end()});
    auto& claim = write(self, write_kind::claim, id, job.seq);
    claim.status = job_status::running;
    claim.attempts = job.attempts + 1;
    claim.started_at_ms = now_ms(self);
    claim.worker = target->name;
    batches[slot].push_back(
      run_order{std::move(id), lease, job.attempts + 1, job.type, job.payload, std::move(token)});
  }
  for (size_t slot = 0; slot < batches.size(); ++slot)
    if (!batches[slot].empty())
      st.unflushed.runs.push_back(run_batch{st.workers[slot].actor, std::move(batches[slot])});
}

// -- job state changes --

void finish(self_ptr self, const std::string& id, job_entry& job, job_status status,
            std::string result, std::string error) {
  auto& st = self->state;
  // One reading of the clock for everything, taken before the job actor is
  // told: whoever it answers may move a manual clock on at once.
  auto now = st.clock->now();
  auto now_epoch = to_epoch_ms(now);
  dequeue(self, job);
  set_waiting(self, job, false);
  set_status(self, job, status);
  job.lease = 0;
  job.payload = std::string{};
  ++st.types[job.type].finished[static_cast<size_t>(status)];
  auto& row = write(self, write_kind::finish, id, job.seq);
  row.status = status;
  row.result = result;
  row.error = error.empty() ? std::nullopt : std::optional<std::string>{error};
  row.finished_at_ms = now_epoch;
  if (job.started_at) {
    auto seconds = std::chrono::duration<double>(now - *job.started_at).count();
    auto bucket = std::lower_bound(duration_bounds.begin(), duration_bounds.end(), seconds);
    ++st.duration_counts[static_cast<size_t>(bucket - duration_bounds.begin())];
    st.duration_sum += seconds;
    ++st.duration_count;
  }
  st.expiries.emplace_back(now + st.config.result_ttl, id);
  arm(self);
  if (job.actor)
    self->send(job.actor, finish_atom::value, status, std::move(result), std::move(error),
               now_epoch);
}

void cancel_job(self_ptr self, const std::string& id, job_entry& job, const std::string& reason) {
  finish(self, id, job, job_status::cancelled, {}, reason);
}

/// A started attempt failed: retry after backoff, or give up.
void attempt_failed(self_ptr self, const std::string& id, job_entry& job, std::string error,
                    bool permanent) {
  auto& st = self->state;
  job.lease = 0;
  if (job.cancel_requested) {
    cancel_job(self, id, job, "cancelled");
    return;
  }
  if (permanent || job.attempts >= job.options.max_attempts) {
    finish(self, id, job, job_status::failed, {}, std::move(error));
    return;
  }
  set_status(self, job, job_status::pending);
  std::uniform_real_distribution<double> unit{0.0, 1.0};
  auto delay =
    backoff_delay(st.config.backoff_base, st.config.backoff_cap, job.attempts, unit(st.jitter));
  auto ready_at = st.clock->now() + delay;
  auto& row = write(self, write_kind::retry, id, job.seq);
  row.status = job_status::pending;
  row.error = error;
  row.ready_at_ms = to_epoch_ms(ready_at);
  set_waiting(self, job, true);
  add_timer(self, ready_at, timer_event{timer_kind::ready, id, 0});
  // Last, as in `finish`: whoever the job actor answers may move the clock.
  self->send(job.actor, retry_atom::value, std::move(error));
}

/// Releases a lease from its worker slot and drops its timeout timer.
lease_entry release_lease(self_ptr self, uint64_t lease) {
  auto& st = self->state;
  auto i = st.leases.find(lease);
  auto entry = std::move(i->second);
  st.leases.erase(i);
  auto& held = st.workers[entry.slot].leases;
  held.erase(std::remove(held.begin(), held.end(), lease), held.end());
  if (entry.timeout != st.timers.end())
    st.timers.erase(entry.timeout);
  return entry;
}

/// Takes back a lease: a started attempt counts as failed with `error`, an
/// unstarted job goes back to the queue untouched. The raised token makes the
/// worker skip the job if it has not reached it yet.
void withdraw_lease(self_ptr self, uint64_t lease, const std::string& error) {
  auto& st = self->state;
  auto entry = release_lease(self, lease);
  entry.token->cancel();
  auto j = st.jobs.find(entry.job_id);
  if (j == st.jobs.end() || j->second.lease != lease)
    return;
  auto& job = j->second;
  job.lease = 0;
  if (entry.started)
    attempt_failed(self, entry.job_id, job, error, false);
  else
    enqueue(self, entry.job_id, job);
}

void withdraw_all_leases(self_ptr self, size_t slot, const std::string& error) {
  auto held = self->state.workers[slot].leases;
  for (auto lease : held)
    withdraw_lease(self, lease, error);
}

// -- workers --

void start_worker(self_ptr self, size_t slot) {
  auto& st = self->state;
  auto& w = st.workers[slot];
  w.actor = self->spawn<caf::detached + caf::monitored>(worker, caf::actor_cast<caf::actor>(self),
                                                        st.handlers);
}

/// Puts a fresh worker in a slot whose worker is stuck in a handler. The old
/// thread cannot be killed: it keeps running until its handler returns, then
/// reads the exit message and ends; nothing it reports is applied any more.
void replace_worker(self_ptr self, size_t slot) {
  auto& st = self->state;
  auto old = st.workers[slot].actor;
  self->demonitor(old);
  withdraw_all_leases(self, slot, "worker replaced");
  self->send_exit(old, caf::exit_reason::user_shutdown);
  ++st.replaced;
  log_line(st.workers[slot].name
           + " did not return from a timed-out handler within the grace period; replaced it");
  start_worker(self, slot);
}

void on_worker_down(self_ptr self, const caf::down_msg& down) {
  auto& st = self->state;
  for (size_t slot = 0; slot < st.workers.size(); ++slot) {
    if (st.workers[slot].actor.address() != down.source)
      continue;
    ++st.restarts;
    st.recent_restarts.push_back(st.clock->now());
    update_health(self);
    withdraw_all_leases(self, slot, "worker crashed: " + describe(down.reason));
    start_worker(self, slot);
    dispatch(self);
    return;
  }
}

// -- shutdown --

/// Answers the drain once everything it changed is committed.
void answer_drain_when_committed(self_ptr self) {
  auto& st = self->state;
  if (!st.drain_settled || !st.in_flight.empty() || !st.unflushed.empty())
    return;
  st.drain->deliver(stats_json(self));
  st.drain.reset();
  st.drain_settled = false;
}

/// Ends a drain. Jobs still running are stopped through their token and their
/// leases withdrawn, so whatever their handlers still report is ignored. A
/// durable store keeps the jobs that are not terminal for the next start,
/// where the running ones run again with the interrupted attempt counted;
/// without one they could only be lost, so they are cancelled.
void complete_drain(self_ptr self) {
  auto& st = self->state;
  bool keep = st.store->durable();
  for (auto& [id, job] : st.jobs) {
    if (is_terminal(job.status))
      continue;
    if (job.lease != 0) {
      release_lease(self, job.lease).token->cancel();
      job.lease = 0;
    }
    if (!keep)
      cancel_job(self, id, job, "cancelled: engine shut down");
  }
  st.drain_settled = true;
  flush(self);
  answer_drain_when_committed(self);
}

void check_drain(self_ptr self) {
  auto& st = self->state;
  if (st.drain && !st.drain_settled && st.by_status[static_cast<size_t>(job_status::running)] == 0)
    complete_drain(self);
}

// -- timers --

void on_timer(self_ptr self, timer_event& event) {
  auto& st = self->state;
  switch (event.kind) {
    case timer_kind::ready: {
      auto j = st.jobs.find(event.job_id);
      if (j != st.jobs.end() && j->second.waiting) {
        enqueue(self, event.job_id, j->second);
      }
      break;
    }
    case timer_kind::timeout: {
      auto l = st.leases.find(event.lease);
      if (l == st.leases.end())
        break;
      l->second.timeout = st.timers.end();
      l->second.token->cancel();
      auto j = st.jobs.find(event.job_id);
      if (j == st.jobs.end() || j->second.lease != event.lease)
        break;
      auto& job = j->second;
      add_timer(self, st.clock->now() + st.config.timeout_grace,
                timer_event{timer_kind::grace, event.job_id, event.lease});
      attempt_failed(self, event.job_id, job,
                     "timeout: attempt exceeded " + std::to_string(job.options.timeout_ms) + " ms",
                     false);
      break;
    }
    case timer_kind::grace: {
      auto l = st.leases.find(event.lease);
      if (l != st.leases.end())
        replace_worker(self, l->second.slot);
      break;
    }
    case timer_kind::drain_deadline:
      if (st.drain && !st.drain_settled)
        complete_drain(self);
      break;
  }
}

/// Removes a job from the supervisor's books: its actor, its idempotency key,
/// its count. The job must be neither queued nor waiting.
void forget(self_ptr self, std::unordered_map<std::string, job_entry>::iterator j) {
  auto& st = self->state;
  auto& job = j->second;
  if (job.actor)
    self->send(job.actor, expire_atom::value);
  auto k = st.idempotency_keys.find(job.options.idempotency_key);
  if (k != st.idempotency_keys.end() && k->second == j->first)
    st.idempotency_keys.erase(k);
  --st.by_status[static_cast<size_t>(job.status)];
  st.jobs.erase(j);
}

void on_tick(self_ptr self) {
  auto& st = self->state;
  st.armed = time_point::max();
  auto now = st.clock->now();
  while (!st.timers.empty() && st.timers.begin()->first <= now) {
    auto event = std::move(st.timers.begin()->second);
    st.timers.erase(st.timers.begin());
    on_timer(self, event);
  }
  if (!st.expiries.empty() && st.expiries.front().first <= now)
    write_purge(self, now_ms(self) - st.config.result_ttl.count());
  while (!st.expiries.empty() && st.expiries.front().first <= now) {
    auto j = st.jobs.find(st.expiries.front().second);
    st.expiries.pop_front();
    if (j == st.jobs.end())
      continue;
    forget(self, j);
  }
  update_health(self);
  dispatch(self);
  arm(self);
}

// -- submissions --

caf::error validate(self_ptr self, const std::string& type, const std::string& payload,
                    const job_options& opts) {
  auto invalid = [](std::string message) {
    return make_error(errc::invalid_argument, std::move(message));
  };
  if (self->state.handlers->find(type) == nullptr)
    return make_error(errc::unknown_type, "no handler is registered for type '" + type + "'");
  if (opts.priority < 0 || opts.priority > 9)
    return invalid("priority must be an integer from 0 to 9");
  if (opts.max_attempts < 1 || opts.max_attempts > 100)
    return invalid("max_attempts must be an integer from 1 to 100");
  if (opts.timeout_ms < 1)
    return invalid("timeout_ms must be at least 1");
  if (opts.delay_ms < 0)
    return invalid("delay_ms must not be negative");
  if (opts.idempotency_key.size() > 200)
    return invalid("idempotency_key must be at most 200 characters");
  if (!payload.empty() && !nlohmann::json::accept(payload))
    return invalid("payload must be valid JSON");
  return {};
}

caf::result<std::string, bool> submit(self_ptr self, std::string& type, std::string& payload,
                                      job_options& opts) {
  auto& st = self->state;
  if (!st.accepting)
    return make_error(errc::shutting_down, "the engine is shutting down");
  if (auto err = validate(self, type, payload, opts))
    return err;
  if (!opts.idempotency_key.empty()) {
    auto k = st.idempotency_keys.find(opts.idempotency_key);
    if (k != st.idempotency_keys.end()) {
      if (st.jobs.at(k->second).stored)
        return {k->second, false};
      // The first submission is not committed yet: answer after it is.
      auto promise = self->make_response_promise();
      st.unflushed.submits.push_back(pending_submit{promise, k->second, false});
      schedule_flush(self);
      return promise;
    }
  }
  if (st.by_status[static_cast<size_t>(job_status::pending)] >= st.config.queue_capacity)
    return make_error(errc::queue_full, "the queue holds "
                                          + std::to_string(st.config.queue_capacity)
                                          + " pending jobs; try again later");
  auto id = new_job_id();
  job_record record;
  record.id = id;
  record.type = type;
  record.payload = payload.empty() ? "null" : payload;
  record.priority = opts.priority;
  record.max_attempts = opts.max_attempts;
  record.created_at_ms = now_ms(self);
  auto& row = write(self, write_kind::insert, id, st.next_seq);
  row.type = type;
  row.payload = record.payload;
  row.options = opts;
  row.options.delay_ms = 0;
  row.created_at_ms = record.created_at_ms;
  row.ready_at_ms = record.created_at_ms + opts.delay_ms;
  job_entry job;
  job.payload = record.payload;
  job.actor = self->spawn<caf::lazy_init>(job_actor, std::move(record), st.clock);
  job.type = std::move(type);
  job.seq = st.next_seq++;
  job.options = std::move(opts);
  ++st.by_status[static_cast<size_t>(job_status::pending)];
  ++st.submitted_total;
  ++st.types[job.type].submitted;
  auto& entry = st.jobs.emplace(id, std::move(job)).first->second;
  if (!entry.options.idempotency_key.empty())
    st.idempotency_keys.emplace(entry.options.idempotency_key, id);
  queue_at(self, id, entry, st.clock->now() + std::chrono::milliseconds{entry.options.delay_ms});
  dispatch(self);
  auto promise = self->make_response_promise();
  st.unflushed.submits.push_back(pending_submit{promise, std::move(id), true});
  return promise;
}

/// Forgets a job whose insert could not be committed: it was never accepted.
void drop_job(self_ptr self, const std::string& id) {
  auto& st = self->state;
  auto j = st.jobs.find(id);
  if (j == st.jobs.end())
    return;
  auto& job = j->second;
  if (job.lease != 0)
    release_lease(self, job.lease).token->cancel();
  dequeue(self, job);
  set_waiting(self, job, false);
  --st.submitted_total;
  --st.types[job.type].submitted;
  forget(self, j);
}

/// Applies the journal's answer on the batches up to `last`: acknowledges
/// their submissions, or, if `error` is set, refuses them (their jobs were
/// never stored).
void on_journal_answer(self_ptr self, uint64_t last, const std::string& error) {
  auto& st = self->state;
  if (error.empty() != st.store_error.empty())
    log_line(error.empty() ? "the job store accepts writes again"
                           : "the job store failed a write; refusing submissions until it "
                             "recovers: "
                               + error);
  st.store_error = error;
  while (!st.in_flight.empty() && st.in_flight.front().first <= last) {
    auto submits = std::move(st.in_flight.front().second);
    st.in_flight.pop_front();
    for (auto& submit : submits) {
      auto j = st.jobs.find(submit.id);
      if (error.empty() && j != st.jobs.end()) {
        j->second.stored = true;
        submit.promise.deliver(submit.id, submit.created);
        continue;
      }
      if (submit.created)
        drop_job(self, submit.id);
      submit.promise.deliver(make_error(
        errc::store_unavailable, "the job store could not record the job: "
                                   + (error.empty() ? "its first submission failed" : error)));
    }
  }
  answer_drain_when_committed(self);
}

/// Forwards a query to a job's actor, which answers the requester itself.
template <class... Ts>
caf::result<std::string> forward_to_job(self_ptr self, const std::string& id, Ts... xs) {
  auto j = self->state.jobs.find(id);
  if (j == self->state.jobs.end())
    return make_error(errc::not_found, "no job with id " + id);
  auto promise = self->make_response_promise();
  if (j->second.actor)
    promise.delegate(j->second.actor, xs...);
  else // Finished before the last restart: only the store has it.
    promise.delegate(self->state.journal, status_atom::value, id);
  return promise;
}

caf::result<std::string> cancel(self_ptr self, const std::string& id) {
  auto& st = self->state;
  auto j = st.jobs.find(id);
  if (j == st.jobs.end())
    return make_error(errc::not_found, "no job with id " + id);
  auto& job = j->second;
  if (is_terminal(job.status))
    return make_error(errc::already_terminal,
                      std::string{"the job is already "} + to_string(job.status));
  if (job.status == job_status::running) {
    job.cancel_requested = true;
    write(self, write_kind::request_cancel, id, job.seq).cancel_requested = true;
    st.leases.at(job.lease).token->cancel();
    self->send(job.actor, cancel_atom::value);
  } else {
    if (job.lease != 0) {
      // Handed to a worker but not started: the raised token makes it skip.
      st.leases.at(job.lease).token->cancel();
    }
    cancel_job(self, id, job, "cancelled");
  }
  return forward_to_job(self, id, status_atom::value);
}

/// Ids of the jobs that match the filters, newest first.
caf::result<std::string> list(self_ptr self, const std::string& status, const std::string& type,
                              int64_t limit) {
  std::optional<job_status> wanted;
  if (!status.empty()) {
    wanted = parse_job_status(status);
    if (!wanted)
      return make_error(errc::invalid_argument, "status must be one of pending, running, "
                                                "success, failed, cancelled");
  }
  if (limit < 1)
    return make_error(errc::invalid_argument, "limit must be at least 1");
  std::vector<std::pair<uint64_t, const std::string*>> matches;
  for (auto& [id, job] : self->state.jobs)
    if ((!wanted || job.status == *wanted) && (type.empty() || job.type == type))
      matches.emplace_back(job.seq, &id);
  auto count = std::min(matches.size(), static_cast<size_t>(limit));
  std::partial_sort(matches.begin(), matches.begin() + static_cast<ptrdiff_t>(count), matches.end(),
                    [](auto& a, auto& b) { return a.first > b.first; });
  auto ids = nlohmann::json::array();
  for (size_t i = 0; i < count; ++i)
    ids.push_back(*matches[i].second);
  return ids.dump();
}

// -- worker reports --

void on_started(self_ptr self, const std::string& id, uint64_t lease) {
  auto& st = self->state;
  auto l = st.leases.find(lease);
  if (l == st.leases.end())
    return;
  l->second.started = true;
  auto j = st.jobs.find(id);
  if (j == st.jobs.end() || j->second.lease != lease)
    return;
  auto& job = j->second;
  ++job.attempts;
  job.started_at = st.clock->now();
  set_status(self, job, job_status::running);
  l->second.timeout =
    add_timer(self, st.clock->now() + std::chrono::milliseconds{job.options.timeout_ms},
              timer_event{timer_kind::timeout, id, lease});
  if (st.config.log_attempts)
    log_line("job " + id + " attempt " + std::to_string(job.attempts) + " started on "
             + st.workers[l->second.slot].name);
  self->send(job.actor, started_atom::value, job.attempts, st.workers[l->second.slot].name,
             now_ms(self));
}

void on_report(self_ptr self, run_report& report) {
  auto& st = self->state;
  if (st.leases.count(report.lease) == 0)
    return;
  release_lease(self, report.lease);
  auto j = st.jobs.find(report.id);
  if (j != st.jobs.end() && j->second.lease == report.lease) {
    auto& job = j->second;
    job.lease = 0;
    switch (report.outcome) {
      case run_outcome::success:
        if (job.cancel_requested)
          cancel_job(self, report.id, job, "cancelled");
        else
          finish(self, report.id, job, job_status::success, std::move(report.text), {});
        break;
      case run_outcome::failure:
      case run_outcome::permanent_failure:
        attempt_failed(self, report.id, job, std::move(report.text),
                       report.outcome == run_outcome::permanent_failure);
        break;
      case run_outcome::skipped:
        enqueue(self, report.id, job);
        break;
    }
  }
  check_drain(self);
  dispatch(self);
}

// -- recovery --

/// Rebuilds the jobs a store holds, as they were when the engine last stopped.
/// Pending jobs keep their order and their remaining delay; jobs that were
/// running lost their attempt, which counts; finished ones stay queryable
/// (from the store) until their TTL.
void recover(self_ptr self, std::vector<stored_job>& rows) {
  auto& st = self->state;
  auto now = st.clock->now();
  auto now_epoch = now_ms(self);
  auto ttl = st.config.result_ttl.count();
  for (auto& row : rows) {
    st.next_seq = std::max(st.next_seq, row.seq + 1);
    if (is_terminal(row.status) && row.finished_at_ms.value_or(0) + ttl <= now_epoch)
      continue;
    ++st.recovered;
    job_entry job;
    job.type = row.type;
    job.options = row.options;
    job.status = row.status;
    job.attempts = row.attempts;
    job.seq = row.seq;
    job.cancel_requested = row.cancel_requested;
    job.stored = true;
    ++st.by_status[static_cast<size_t>(job.status)];
    if (!is_terminal(row.status)) {
      job.payload = row.payload;
      auto record = to_record(row);
      record.status = job_status::pending;
      job.actor = self->spawn<caf::lazy_init>(job_actor, std::move(record), st.clock);
    } else {
      st.expiries.emplace_back(
        now + std::chrono::milliseconds{*row.finished_at_ms + ttl - now_epoch}, row.id);
    }
    auto& entry = st.jobs.emplace(row.id, std::move(job)).first->second;
    if (!entry.options.idempotency_key.empty())
      st.idempotency_keys.emplace(entry.options.idempotency_key, row.id);
    if (entry.status == job_status::running) {
      set_status(self, entry, job_status::pending);
      auto error =
        "interrupted: the engine stopped during attempt " + std::to_string(entry.attempts);
      if (entry.cancel_requested) {
        cancel_job(self, row.id, entry, "cancelled");
      } else if (entry.attempts >= entry.options.max_attempts) {
        finish(self, row.id, entry, job_status::failed, {}, error + "; no attempts remain");
      } else {
        auto& retry = write(self, write_kind::retry, row.id, row.seq);
        retry.status = job_status::pending;
        retry.error = error;
        retry.ready_at_ms = now_epoch;
        self->send(entry.actor, retry_atom::value, error);
        enqueue(self, row.id, entry);
      }
      continue;
    }
    if (entry.status == job_status::pending)
      queue_at(self, row.id, entry, now + std::chrono::milliseconds{row.ready_at_ms - now_epoch});
  }
  // Rows come in submission order, not in the order they finished; from here
  // on, one TTL for all keeps the expiries sorted.
  std::sort(st.expiries.begin(), st.expiries.end());
  write_purge(self, now_epoch - ttl);
  arm(self);
}

caf::behavior supervisor(self_ptr self, engine_config config,
                         std::shared_ptr<const handler_registry> handlers,
                         std::vector<stored_job> rows) {
  auto& st = self->state;
  st.clock = config.clock ? config.clock : make_system_clock();
  if (config.workers == 0)
    config.workers = std::max(1u, std::thread::hardware_concurrency());
  st.jitter.seed(config.jitter_seed != 0 ? config.jitter_seed : std::random_device{}());
  st.store = config.store;
  st.config = std::move(config);
  st.handlers = std::move(handlers);
  st.journal = self->spawn<caf::detached + caf::monitored>(
    journal, st.store, caf::actor_cast<caf::actor>(self), st.config.max_commit_writes);
  st.workers.resize(st.config.workers);
  for (size_t slot = 0; slot < st.workers.size(); ++slot) {
    st.workers[slot].name = "worker-" + std::to_string(slot + 1);
    start_worker(self, slot);
  }
  recover(self, rows);
  dispatch(self);
  self->set_down_handler([=](caf::down_msg& down) {
    auto& st = self->state;
    if (down.source != st.journal.address()) {
      on_worker_down(self, down);
      return;
    }
    // The store is released: a stop is complete. Otherwise nothing can be
    // written any more, and an engine that cannot keep its promise stops.
    if (!st.stopping)
      log_line("the journal stopped unexpectedly (" + describe(down.reason)
               + "); stopping the engine");
    self->quit(st.stopping ? caf::error{} : down.reason);
  });
  self->set_exit_handler([=](caf::exit_msg& exit) {
    auto& st = self->state;
    if (st.stopping)
      return;
    st.stopping = true;
    for (auto& w : st.workers) {
      self->demonitor(w.actor);
      self->send_exit(w.actor, exit.reason);
    }
    for (auto& [id, job] : st.jobs)
      if (job.actor)
        self->send(job.actor, expire_atom::value);
    // Quit once the journal is gone, so that whoever waits for the
    // supervisor to stop may open its store again.
    self->send_exit(st.journal, exit.reason);
  });
  return {
    [=](submit_atom, std::string& type, std::string& payload, job_options& opts) {
      return submit(self, type, payload, opts);
    },
    [=](status_atom, const std::string& id) {
      return forward_to_job(self, id, status_atom::value);
    },
    [=](wait_atom, const std::string& id, int64_t wait_ms) {
      return forward_to_job(self, id, wait_atom::value, std::min<int64_t>(wait_ms, 3600000));
    },
    [=](watch_atom, const std::string& id) -> caf::result<caf::ok_atom> {
      auto j = self->state.jobs.find(id);
      if (j == self->state.jobs.end())
        return make_error(errc::not_found, "no job with id " + id);
      // Before the promise: making it takes the sender out of the message.
      auto watcher = caf::actor_cast<caf::actor>(self->current_sender());
      auto promise = self->make_response_promise();
      if (!j->second.actor) { // Finished before the last restart.
        self->request(self->state.journal, caf::infinite, status_atom::value, id)
          .then(
            [=](std::string& job) mutable {
              self->send(watcher, finished_atom::value, std::move(job));
              promise.deliver(caf::ok_atom::value);
            },
            [=](caf::error& err) mutable { promise.deliver(std::move(err)); });
        return promise;
      }
      promise.delegate(j->second.actor, watch_atom::value);
      return promise;
    },
    [=](cancel_atom, const std::string& id) { return cancel(self, id); },
    [=](list_atom, const std::string& status, const std::string& type, int64_t limit) {
      return list(self, status, type, limit);
    },
    [=](stats_atom) {
      update_health(self);
      return stats_json(self);
    },
    [=](drain_atom, int64_t deadline_ms) -> caf::result<std::string> {
      auto& st = self->state;
      st.accepting = false;
      std::vector<uint64_t> unstarted;
      for (auto& [lease, entry] : st.leases)
        if (!entry.started)
          unstarted.push_back(lease);
      for (auto lease : unstarted)
        withdraw_lease(self, lease, {});
      auto promise = self->make_response_promise();
      st.drain = promise;
      add_timer(self, st.clock->now() + std::chrono::milliseconds{deadline_ms},
                timer_event{timer_kind::drain_deadline, {}, 0});
      check_drain(self);
      return promise;
    },
    // -- from workers --
    [=](started_atom, const std::string& id, uint64_t lease) { on_started(self, id, lease); },
    [=](report_atom, run_report& report) { on_report(self, report); },
    [=](progress_atom, const std::string& id, uint64_t lease, double fraction,
        std::string& message) {
      auto j = self->state.jobs.find(id);
      if (j != self->state.jobs.end() && j->second.lease == lease
          && j->second.status == job_status::running)
        self->send(j->second.actor, progress_atom::value, fraction, std::move(message));
    },
    // -- from the journal --
    [=](flush_atom) { flush(self); },
    [=](committed_atom, uint64_t last) { on_journal_answer(self, last, {}); },
    [=](commit_failed_atom, uint64_t, uint64_t last, std::string& error,
        std::vector<run_batch>& runs) {
      // Refused jobs are dropped first: their raised tokens make the workers
      // skip them. The others were accepted before, and start although their
      // claims are lost: a restart may count one attempt less for them.
      on_journal_answer(self, last, error);
      for (auto& run : runs)
        self->send(run.worker, run_atom::value, std::move(run.orders));
    },
    // -- timers --
    [=](tick_atom) { on_tick(self); },
  };
}

} // namespace

caf::expected<caf::actor> spawn_supervisor(caf::actor_system& sys, engine_config config,
                                           std::shared_ptr<const handler_registry> handlers) {
  if (!config.store)
    config.store = make_memory_store();
  auto rows = config.store->load();
  if (!rows)
    return rows.error();
  return sys.spawn(supervisor, std::move(config), std::move(handlers), std::move(*rows));
}

} // namespace troupe
