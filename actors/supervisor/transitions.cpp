// The moves every handler is made of: a job's status, its place in the ready
// queue or on a timer, its lease and the orders to its worker, its end and
// retention, its retry after a failed attempt. They act on the parts and on
// the write-behind batch only, never on another handler: everything above
// (dispatch, the drain, nodes, queries) is built from them.
#include "supervisor/supervisor_state.hpp"

#include "troupe/log.hpp"

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
  write_finish(self, job_finished{seq, status, rec.result, rec.error, now_ms, rec.attempts,
                                  rec.started_at_ms, rec.worker});
  rec.id = format_job_id({seq, job.tag});
  if (job.observer)
    self->send(job.observer, finish_atom::value, to_json(rec));
  st.timers.cancel_waits(seq);
  retain(self, seq, status, job.options.idempotency_key, now + st.config.result_ttl,
         std::move(rec));
  st.jobs.erase(seq);
}

/// Long-poll `number` on job `seq` ends before the job does: its job actor
/// answers it with the job as it is now.
void answer_wait(self_ptr self, uint64_t seq, uint64_t number) {
  if (auto* job = self->state.jobs.find(seq); job != nullptr && job->observer)
    self->send(job->observer, timeout_atom::value, number, snapshot(seq, *job));
}

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
  write(self, retry_scheduled{seq, error, to_epoch_ms(ready_at)});
  job.record.error = std::move(error);
  set_waiting(self, job, true);
  add_timer(self, ready_at, timer_event{timer_kind::ready, seq, 0});
}

void enqueue(self_ptr self, uint64_t seq, job_entry& job) {
  auto& st = self->state;
  set_waiting(self, job, false);
  job.queued = true;
  auto& type = job.record.type;
  // A group that joins the turns behind another group's prefetched jobs
  // gets one worker's queue back, so its turn is not behind all of them.
  if (st.ready.push(type, job.record.priority, job.options.group, seq))
    send_withdrawals(
      self, st.leases.make_room_for_group(job.record.priority, job.options.group, [&](size_t slot) {
        return st.workers[slot].takes(type);
      }));
}

void dequeue(self_ptr self, uint64_t seq, job_entry& job) {
  if (job.queued)
    self->state.ready.erase(job.record.type, job.record.priority, job.options.group, seq);
  job.queued = false;
}

void queue_at(self_ptr self, uint64_t seq, job_entry& job, time_point ready_at) {
  if (ready_at > self->state.now()) {
    set_waiting(self, job, true);
    add_timer(self, ready_at, timer_event{timer_kind::ready, seq, 0});
  } else {
    enqueue(self, seq, job);
  }
}

std::optional<lease_entry> release_lease(self_ptr self, uint64_t lease) {
  auto& st = self->state;
  st.timers.cancel_timeout(lease);
  auto entry = st.leases.release(lease);
  if (entry) {
    // The job no longer counts against its group: a group at its limit may
    // go again.
    st.limits.ended(entry->group);
    if (st.ready.blocked(entry->group) && st.limits.may_start(entry->group, st.now()))
      st.ready.unblock(entry->group);
  }
  return entry;
}

void send_stop(self_ptr self, uint64_t lease) {
  auto& st = self->state;
  if (auto* entry = st.leases.find(lease))
    self->send(st.workers[entry->slot].actor, stop_atom::value, lease_list{{lease}});
}

void send_withdrawal(self_ptr self, size_t slot, std::vector<uint64_t> leases) {
  auto& st = self->state;
  st.writes.add_run(run_batch{st.workers[slot].actor, {}, std::move(leases), {}});
  schedule_flush(self);
}

void send_withdrawals(self_ptr self, std::vector<std::vector<uint64_t>> per_slot) {
  for (size_t slot = 0; slot < per_slot.size(); ++slot)
    if (!per_slot[slot].empty())
      send_withdrawal(self, slot, std::move(per_slot[slot]));
}

/// Takes back every lease of a slot whose worker is gone: a started attempt
/// failed with `error`; an unstarted job goes back to the queue with its
/// attempts as they were (nothing of it was stored as started).
void take_back_leases(self_ptr self, size_t slot, const std::string& error) {
  auto& st = self->state;
  auto held = st.leases.of(slot);
  for (auto lease : held) {
    auto entry = release_lease(self, lease);
    auto* job = st.jobs.find(entry->seq);
    if (job == nullptr || job->lease != lease)
      continue;
    job->lease = 0;
    if (entry->started)
      attempt_failed(self, entry->seq, *job, error, false);
    else
      enqueue(self, entry->seq, *job);
  }
}

void end_slot_leases(self_ptr self, size_t slot, const std::string& error) {
  self->state.workers[slot].actor = nullptr;
  take_back_leases(self, slot, error);
}

void drop_job(self_ptr self, uint64_t seq) {
  auto& st = self->state;
  auto* job = st.jobs.find(seq);
  if (job == nullptr)
    return;
  if (job->lease != 0)
    release_lease(self, job->lease);
  dequeue(self, seq, *job);
  set_waiting(self, *job, false);
  st.counters.unsubmitted(job->record.type);
  st.counters.remove(job->status());
  st.keys.forget(job->options.idempotency_key, seq);
  if (job->observer)
    self->send_exit(job->observer, caf::exit_reason::user_shutdown);
  st.timers.cancel_waits(seq);
  st.jobs.erase(seq);
}

job_entry& adopt(self_ptr self, const stored_job& row, const job_key& key) {
  auto& st = self->state;
  job_entry job;
  job.tag = key.tag;
  job.record = to_record(row);
  job.record.id.clear();
  job.options = row.options;
  job.stored = true;
  st.counters.add(job.status());
  auto& entry = st.jobs.insert(row.seq, std::move(job));
  st.keys.remember(entry.options.idempotency_key, key);
  return entry;
}

caf::error refuse_when_full(self_ptr self) {
  auto& st = self->state;
  if (st.counters.count(job_status::pending) < st.config.queue_capacity)
    return {};
  return make_error(errc::queue_full, "the queue holds " + std::to_string(st.config.queue_capacity)
                                        + " pending jobs; try again later");
}

} // namespace troupe::detail
