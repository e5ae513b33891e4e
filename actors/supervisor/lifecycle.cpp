// How jobs move on: retries with backoff, attempt timeouts, terminal states,
// retention of results, retries asked for after the end, the timer tick, and
// the drain.
#include "supervisor/supervisor_state.hpp"

#include "store/store_queries.hpp"
#include "supervisor/backoff.hpp"
#include "troupe/errors.hpp"
#include "troupe/log.hpp"

#include <algorithm>

namespace troupe::detail {

void set_status(self_ptr self, job_entry& job, job_status status) {
  self->state.counters.move(job.record.status, status);
  job.record.status = status;
}

void set_waiting(self_ptr self, job_entry& job, bool waiting) {
  if (job.waiting != waiting)
    self->state.counters.waiting(waiting);
  job.waiting = waiting;
}

void arm(self_ptr self) {
  auto& st = self->state;
  if (auto when = st.timers.wake_up(st.finished.next_expiry()))
    st.config.clock->schedule(*when, caf::actor_cast<caf::actor>(self),
                              caf::make_message(tick_atom::value));
}

void add_timer(self_ptr self, time_point when, timer_event event) {
  self->state.timers.add(when, event);
  arm(self);
}

void update_health(self_ptr self) {
  auto& st = self->state;
  auto& cfg = st.config;
  if (!st.counters.update_health(st.now(), cfg.restart_window, cfg.max_restarts))
    return;
  if (st.counters.healthy())
    log(log_level::info, "worker restarts back within limits; engine healthy again");
  else
    log(log_level::error,
        "restart intensity exceeded: " + std::to_string(st.counters.recent_restarts())
          + " worker restarts within " + std::to_string(cfg.restart_window.count()) + " ms (limit "
          + std::to_string(cfg.max_restarts) + "); engine reports itself unhealthy");
}

void retain(self_ptr self, uint64_t seq, job_status status, const std::string& key,
            time_point expires, std::optional<job_record> record) {
  auto& st = self->state;
  st.finished.retain(seq, status, expires, std::move(record));
  st.keys.retain(seq, key);
  arm(self);
}

void finish(self_ptr self, uint64_t seq, job_entry& job, job_status status, std::string result,
            std::string error) {
  auto& st = self->state;
  // One reading of the clock for everything, taken before anyone is told:
  // whoever is answered may move a manual clock on at once.
  auto now = st.now();
  auto now_ms = to_epoch_ms(now);
  dequeue(self, seq, job);
  set_waiting(self, job, false);
  set_status(self, job, status);
  std::optional<double> run_seconds;
  if (job.started_at)
    run_seconds = std::chrono::duration<double>(now - *job.started_at).count();
  st.counters.finished(job.record.type, status, now, run_seconds);
  auto& rec = job.record;
  rec.result = std::move(result);
  if (!error.empty())
    rec.error = std::move(error);
  rec.finished_at_ms = now_ms;
  if (status == job_status::success)
    rec.progress = 1.0;
  auto& row = write_finish(self, seq);
  row.status = status;
  row.result = rec.result;
  row.error = rec.error;
  row.finished_at_ms = now_ms;
  row.attempts = rec.attempts;
  row.started_at_ms = rec.started_at_ms;
  row.worker = rec.worker;
  rec.id = format_job_id({seq, job.tag});
  if (job.observer)
    self->send(job.observer, finish_atom::value, to_json(rec));
  st.timers.cancel_waits(seq);
  retain(self, seq, status, job.options.idempotency_key, now + st.config.result_ttl,
         std::move(rec));
  st.jobs.erase(seq);
}

namespace {

/// Long-poll `number` on job `seq` ends before the job does: its job actor
/// answers it with the job as it is now.
void answer_wait(self_ptr self, uint64_t seq, uint64_t number) {
  if (auto* job = self->state.jobs.find(seq); job != nullptr && job->observer)
    self->send(job->observer, timeout_atom::value, number, snapshot(seq, *job));
}

} // namespace

void attempt_failed(self_ptr self, uint64_t seq, job_entry& job, std::string error,
                    bool permanent) {
  auto& st = self->state;
  job.lease = 0;
  if (job.record.cancel_requested) {
    finish(self, seq, job, job_status::cancelled, {}, "cancelled");
    return;
  }
  if (permanent || job.record.attempts >= job.options.max_attempts) {
    finish(self, seq, job, job_status::failed, {}, std::move(error));
    return;
  }
  set_status(self, job, job_status::pending);
  auto ready_at = st.now() + st.backoff.after(job.record.attempts);
  auto& row = write(self, write_kind::retry, seq, job);
  row.status = job_status::pending;
  row.error = error;
  row.ready_at_ms = to_epoch_ms(ready_at);
  job.record.error = std::move(error);
  set_waiting(self, job, true);
  add_timer(self, ready_at, timer_event{timer_kind::ready, seq, 0});
}

namespace {

/// Takes back a job the store has just put back to pending. Its result may
/// have expired meanwhile; the store's word is what counts.
std::string requeued(self_ptr self, stored_job& row) {
  auto& st = self->state;
  auto key = parse_job_id(row.id);
  if (auto status = st.finished.take_back(row.seq))
    st.counters.remove(*status);
  st.keys.unretain(row.seq);
  auto& job = adopt(self, row, *key);
  queue_at(self, row.seq, job, st.now());
  // As it was put back: dispatching may hand it to a worker at once.
  auto answer = snapshot(row.seq, job);
  dispatch(self);
  return answer;
}

} // namespace

caf::result<std::string> on_retry(self_ptr self, const std::string& id) {
  auto& st = self->state;
  auto key = parse_job_id(id);
  if (!key)
    return make_error(errc::not_found, "no job with id " + id);
  if (auto* job = st.jobs.find(*key))
    return retry_refusal(job->status());
  if (auto err = st.gate.refusal())
    return err;
  if (auto err = refuse_when_full(self))
    return err;
  // The store decides: it holds the job's payload and options, and changes
  // the row before the job runs again, so a crash never loses the retry.
  flush(self);
  auto now_ms = to_epoch_ms(st.now());
  if (!st.journal) {
    auto row = stored_requeue(st.store(), id, now_ms);
    if (!row)
      return row.error();
    return requeued(self, *row);
  }
  auto promise = self->make_response_promise();
  self->request(st.journal, caf::infinite, retry_atom::value, id, now_ms)
    .then([=](stored_job& row) mutable { promise.deliver(requeued(self, row)); },
          [=](caf::error& err) mutable { promise.deliver(std::move(err)); });
  return promise;
}

namespace {

/// Ends a drain. Jobs still running are stopped through their token and their
/// leases withdrawn, so whatever their handlers still report is ignored. A
/// durable store keeps the jobs that are not terminal for the next start,
/// where the running ones run again with the interrupted attempt counted;
/// without one they could only be lost, so they are cancelled.
void complete_drain(self_ptr self) {
  auto& st = self->state;
  std::vector<uint64_t> unfinished;
  for (auto& [seq, job] : st.jobs) {
    unfinished.push_back(seq);
    if (job.lease != 0) {
      send_stop(self, job.lease);
      release_lease(self, job.lease);
      job.lease = 0;
    }
  }
  if (!st.store().durable())
    for (auto seq : unfinished)
      finish(self, seq, *st.jobs.find(seq), job_status::cancelled, {},
             "cancelled: engine shut down");
  // Nothing runs any more: a client waiting on a job left for the next
  // start gets its state now rather than at its deadline.
  for (auto& [seq, number] : st.timers.take_waits())
    answer_wait(self, seq, number);
  st.gate.settle();
  flush(self);
  answer_drain_when_committed(self);
}

void on_timer(self_ptr self, const timer_event& event) {
  auto& st = self->state;
  switch (event.kind) {
    case timer_kind::ready:
      if (auto* job = st.jobs.find(event.seq); job != nullptr && job->waiting)
        enqueue(self, event.seq, *job);
      break;
    case timer_kind::timeout: {
      auto* job = st.jobs.find(event.seq);
      if (st.leases.find(event.lease) == nullptr || job == nullptr || job->lease != event.lease)
        break;
      send_stop(self, event.lease);
      add_timer(self, st.now() + st.config.timeout_grace,
                timer_event{timer_kind::grace, event.seq, event.lease});
      attempt_failed(self, event.seq, *job,
                     "timeout: attempt exceeded " + std::to_string(job->options.timeout_ms) + " ms",
                     false);
      break;
    }
    case timer_kind::grace:
      if (auto* entry = st.leases.find(event.lease))
        replace_worker(self, entry->slot);
      break;
    case timer_kind::drain_deadline:
      if (st.gate.waiting_for_jobs())
        complete_drain(self);
      break;
    case timer_kind::node_deadline:
      on_node_deadline(self, event.seq);
      break;
    case timer_kind::wait:
      answer_wait(self, event.seq, event.lease);
      break;
  }
}

/// Forgets finished jobs whose TTL ran out; their rows go in one purge.
void expire_results(self_ptr self, time_point now) {
  auto& st = self->state;
  auto expired = st.finished.expire(now);
  if (expired.empty())
    return;
  write_purge(self, to_epoch_ms(now) - st.config.result_ttl.count());
  for (auto& done : expired) {
    st.counters.remove(done.status);
    st.keys.expire(done.seq);
  }
}

} // namespace

void on_tick(self_ptr self) {
  auto& st = self->state;
  auto now = st.now();
  for (auto& event : st.timers.expire(now))
    on_timer(self, event);
  expire_results(self, now);
  update_health(self);
  dispatch(self);
  arm(self);
}

void check_drain(self_ptr self) {
  auto& st = self->state;
  if (st.gate.waiting_for_jobs() && st.counters.count(job_status::running) == 0)
    complete_drain(self);
}

caf::result<std::string> on_drain(self_ptr self, int64_t deadline_ms) {
  auto& st = self->state;
  auto promise = self->make_response_promise();
  st.gate.begin(promise);
  send_withdrawals(self, st.leases.withdraw_unstarted());
  add_timer(self, st.now() + std::chrono::milliseconds{deadline_ms},
            timer_event{timer_kind::drain_deadline, 0, 0});
  check_drain(self);
  return promise;
}

} // namespace troupe::detail
