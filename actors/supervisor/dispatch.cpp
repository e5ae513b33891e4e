// From the ready queue to the workers and back: leases, withdrawals, worker
// reports, and restarts of workers that fail.
//
// A job goes only to a worker that serves its type (local workers serve the
// engine's handlers, a node's workers the types the node advertised); a type
// no worker serves waits in its own queue. Priorities stay honest at any
// prefetch: before jobs are handed out, every unstarted lease of lower
// priority than the best ready job of a type is asked back from the workers
// that serve that type, and a worker that runs dry takes the best job it can
// run that another worker holds behind a running one. A lease a worker gives
// back never started, so no attempt is spent on it.
#include "supervisor/supervisor_state.hpp"

#include "troupe/log.hpp"
#include "worker/worker.hpp"

namespace troupe::detail {

namespace {

/// How long a job must have run before an idle worker takes what waits
/// behind it (real time: a cost trade-off, not part of any job's semantics).
constexpr auto steal_after = std::chrono::milliseconds{20};

/// The slot with the most room left among those that take `type`, if any
/// has room; only an idle one if `idle_only` (a job of a rate-limited group
/// goes only where it starts at once, so that its start is its hand-over).
std::optional<size_t> least_loaded(self_ptr self, const std::string& type, bool idle_only) {
  auto& st = self->state;
  auto room = idle_only ? size_t{1} : st.config.prefetch + 1;
  std::optional<size_t> best;
  for (size_t slot = 0; slot < st.workers.size(); ++slot) {
    if (!st.workers[slot].takes(type))
      continue;
    auto load = st.leases.load(slot);
    if (load < room && (!best || load < st.leases.load(*best)))
      best = slot;
  }
  return best;
}

/// Puts a fresh worker in a slot whose worker failed or hangs.
void reset_slot(self_ptr self, size_t slot, const std::string& error) {
  auto& st = self->state;
  ++st.workers[slot].restarts;
  auto old = st.workers[slot].actor;
  self->demonitor(old);
  self->send_exit(old, caf::exit_reason::user_shutdown);
  take_back_leases(self, slot, error);
  start_worker(self, slot);
}

/// A node's worker cannot be restarted from here: its jobs go elsewhere and
/// its slot is retired until the node rejoins.
void retire_node_slot(self_ptr self, size_t slot, const std::string& error) {
  auto& st = self->state;
  log(log_level::warn, st.workers[slot].name + ": " + error + "; it gets no more jobs");
  take_back_leases(self, slot, error);
  self->demonitor(st.workers[slot].actor);
  self->send_exit(st.workers[slot].actor, caf::exit_reason::user_shutdown);
  st.workers[slot].actor = nullptr;
}

void worker_crashed(self_ptr self, size_t slot, const std::string& reason) {
  auto& st = self->state;
  st.counters.restarted(st.now());
  update_health(self);
  if (st.workers[slot].node == 0)
    reset_slot(self, slot, "worker crashed: " + reason);
  else
    retire_node_slot(self, slot, "worker crashed: " + reason);
}

/// Applies the start of a lease, reported by its worker or implied by its
/// result (`ran_for` ago); returns its job if the lease is still current.
job_entry* on_started(self_ptr self, uint64_t lease, std::chrono::microseconds ran_for,
                      bool by_worker = true) {
  auto& st = self->state;
  auto* entry = st.leases.find(lease);
  if (entry == nullptr)
    return nullptr;
  auto* job = st.jobs.find(entry->seq);
  if (job == nullptr || job->lease != lease)
    return nullptr;
  auto log_start = [&] {
    entry->announced = true;
    if (logs(log_level::debug))
      log(log_level::debug, "job " + format_job_id({entry->seq, job->tag}) + " attempt "
                              + std::to_string(job->record.attempts) + " started on "
                              + *job->record.worker);
  };
  if (entry->started) {
    // A gated lease the worker now begins: the attempt really started.
    if (by_worker && !entry->announced)
      log_start();
    return job;
  }
  st.leases.start(lease);
  auto now = st.now();
  auto& rec = job->record;
  ++rec.attempts;
  job->started_at = now - ran_for;
  set_status(self, *job, job_status::running);
  rec.started_at_ms = to_epoch_ms(*job->started_at);
  rec.worker = st.workers[entry->slot].name;
  rec.progress.reset();
  rec.progress_message.reset();
  // The attempt counts once this is stored (with the next group commit).
  write(self, attempt_started{entry->seq, rec.attempts, *rec.started_at_ms, *rec.worker});
  if (ran_for.count() == 0) { // Still running: watch its time limit.
    st.timers.watch_timeout(lease, entry->seq,
                            now + std::chrono::milliseconds{job->options.timeout_ms});
    arm(self);
  }
  if (by_worker)
    log_start();
  return job;
}

/// Asks back unstarted leases that must start after the best ready job of
/// each type (a lower priority, or the same group and priority and submitted
/// later), from the workers that could run that job instead.
void make_room_for_priorities(self_ptr self) {
  auto& st = self->state;
  struct best_job {
    std::string type;
    int32_t priority;
    uint64_t seq;
    const std::string* group;
  };
  std::vector<best_job> tops;
  st.ready.for_each_type([&](const std::string& type, int32_t priority, uint64_t seq, uint64_t) {
    const auto& group = st.jobs.find(seq)->options.group;
    if (st.leases.holds_unstarted_after(priority, seq, group))
      tops.push_back({type, priority, seq, &group});
  });
  for (auto& top : tops)
    send_withdrawals(self,
                     st.leases.withdraw_after(
                       top.priority, top.seq,
                       [&](size_t slot) { return st.workers[slot].takes(top.type); }, *top.group));
}

/// The ready job that must start next, among those some worker has room
/// for: its type, the slot to run it, and the job.
struct runnable {
  std::string type;
  size_t slot;
  uint64_t seq;
};

std::optional<runnable> next_runnable(self_ptr self) {
  auto& st = self->state;
  std::optional<runnable> best;
  int32_t best_priority = 0;
  uint64_t best_turn = 0;
  st.ready.for_each_type(
    [&](const std::string& type, int32_t priority, uint64_t seq, uint64_t turn) {
      if (best && !ready_queue::before(priority, turn, seq, best_priority, best_turn, best->seq))
        return;
      auto* limit = st.limits.limit_of(st.jobs.find(seq)->options.group);
      if (auto slot = least_loaded(self, type, limit != nullptr && limit->rate.has_value())) {
        best = runnable{type, *slot, seq};
        best_priority = priority;
        best_turn = turn;
      }
    });
  return best;
}

/// Whether the job's group may have one more job handed out now; if not, its
/// jobs wait in the ready queue until a held one ends or a token comes.
bool within_limits(self_ptr self, const std::string& group, time_point now) {
  auto& st = self->state;
  if (st.limits.may_start(group, now))
    return true;
  st.limits.count_throttled();
  st.ready.block(group);
  if (auto token = st.limits.next_token(group, now)) {
    st.limits.await_token(group);
    add_timer(self, *token, timer_event{timer_kind::group_tokens, 0, 0});
  }
  return false;
}

} // namespace

void dispatch(self_ptr self) {
  auto& st = self->state;
  if (!st.gate.open())
    return;
  make_room_for_priorities(self);
  std::vector<std::vector<run_order>> batches(st.workers.size());
  auto now = st.now();
  while (auto next = next_runnable(self)) {
    auto& [type, slot, seq] = *next;
    auto& job = *st.jobs.find(seq);
    if (!within_limits(self, job.options.group, now))
      continue;
    st.ready.pop(type);
    st.limits.started(job.options.group, now);
    job.queued = false;
    auto lease = st.leases.grant(slot, seq, job.record.priority, job.options.group);
    job.lease = lease;
    // Nothing is written for a job handed out: only its start counts. A
    // last attempt waits for its stored start (a store that survives a
    // crash could otherwise see it run twice).
    auto attempt = job.record.attempts + 1;
    auto gated = st.journal && attempt >= job.options.max_attempts;
    batches[slot].push_back(run_order{lease, st.incarnation, format_job_id({seq, job.tag}), attempt,
                                      job.record.type, job.record.payload, job.record.priority, seq,
                                      gated, job.options.group});
  }
  auto runnable_by = [&](size_t slot) {
    return
      [&, slot](uint64_t seq) { return st.workers[slot].takes(st.jobs.find(seq)->record.type); };
  };
  for (size_t slot = 0; slot < batches.size(); ++slot) {
    if (!batches[slot].empty()) {
      st.writes.add_run(run_batch{st.workers[slot].actor, std::move(batches[slot]), {}, {}});
      schedule_flush(self);
    }
    // A worker that ran dry takes the best job waiting behind another's.
    else if (st.leases.load(slot) == 0 && st.workers[slot].open())
      if (auto taken = st.leases.withdraw_one_for(
            slot, steal_after, std::chrono::steady_clock::now(), runnable_by(slot)))
        send_withdrawal(self, taken->first, {taken->second});
  }
}

void on_report(self_ptr self, run_report& report) {
  auto& st = self->state;
  for (auto& result : report.finished) {
    if (result.incarnation != st.incarnation) {
      ++st.nodes.counts().stale_reports;
      continue;
    }
    // A worker runs its leases in order: a result says that it started too.
    auto ran_for = std::chrono::microseconds{std::max<int64_t>(1, result.duration_us)};
    auto* job = on_started(self, result.lease, ran_for);
    auto entry = release_lease(self, result.lease);
    if (!entry) {
      ++st.nodes.counts().stale_reports;
      continue;
    }
    auto outcome = static_cast<run_outcome>(result.outcome);
    if (outcome == run_outcome::worker_fault)
      result.text = "worker_fault: " + result.text;
    if (job != nullptr) {
      job->started_at = st.now() - ran_for;
      job->lease = 0;
      if (outcome == run_outcome::success && !job->record.cancel_requested)
        finish(self, entry->seq, *job, job_status::success, std::move(result.text), {});
      else if (outcome == run_outcome::success)
        finish(self, entry->seq, *job, job_status::cancelled, {}, "cancelled");
      else if (outcome == run_outcome::worker_fault)
        attempt_failed(self, entry->seq, *job, "worker crashed: " + result.text, false);
      else
        attempt_failed(self, entry->seq, *job, std::move(result.text),
                       outcome == run_outcome::permanent_failure);
    }
    // The runner ended with the fault, whether or not its lease was current.
    if (outcome == run_outcome::worker_fault)
      worker_crashed(self, entry->slot, result.text);
  }
  if (report.started != 0)
    on_started(self, report.started, std::chrono::microseconds{0});
  if (report.ready != 0)
    let_go(self, report.ready);
  check_drain(self);
  check_node_leaves(self);
  dispatch(self);
}

void let_go(self_ptr self, uint64_t lease) {
  auto& st = self->state;
  auto* entry = st.leases.find(lease);
  auto* job = entry != nullptr ? st.jobs.find(entry->seq) : nullptr;
  // A lease being taken back is not let go: the worker gives it back.
  if (job == nullptr || job->lease != lease || entry->started || entry->withdrawing)
    return;
  auto slot = entry->slot;
  on_started(self, lease, std::chrono::microseconds{0}, false);
  st.writes.add_run(run_batch{st.workers[slot].actor, {}, {}, {lease}});
  schedule_flush(self);
}

void on_withdrawn(self_ptr self, lease_list& given_back) {
  auto& st = self->state;
  for (auto lease : given_back.leases) {
    auto entry = release_lease(self, lease);
    if (!entry)
      continue;
    auto* job = st.jobs.find(entry->seq);
    if (job == nullptr || job->lease != lease)
      continue;
    job->lease = 0;
    enqueue(self, entry->seq, *job);
  }
  check_drain(self);
  check_node_leaves(self);
  dispatch(self);
}

void on_progress(self_ptr self, uint64_t lease, double fraction, std::string& message) {
  auto& st = self->state;
  auto* entry = st.leases.find(lease);
  auto* job = entry != nullptr ? st.jobs.find(entry->seq) : nullptr;
  if (job == nullptr || job->lease != lease || job->status() != job_status::running)
    return;
  job->record.progress = fraction;
  if (message.empty())
    job->record.progress_message.reset();
  else
    job->record.progress_message = std::move(message);
}

void start_worker(self_ptr self, size_t slot) {
  auto& st = self->state;
  // The supervisor logs local attempts itself (at debug level).
  st.workers[slot].actor =
    self->spawn<caf::monitored>(worker, caf::actor_cast<caf::actor>(self), st.workers.handlers(),
                                st.config.prefetch, std::string{});
}

void on_worker_down(self_ptr self, const caf::down_msg& down) {
  auto& st = self->state;
  auto slot = st.workers.find(down.source);
  if (!slot)
    return;
  if (st.workers[*slot].node == 0)
    worker_crashed(self, *slot, describe(down.reason));
  else
    on_node_worker_down(self, *slot);
  dispatch(self);
}

void replace_worker(self_ptr self, size_t slot) {
  auto& st = self->state;
  if (st.workers[slot].node != 0) {
    retire_node_slot(self, slot, "worker stuck in a timed-out handler");
    return;
  }
  st.counters.replaced();
  log(log_level::warn,
      st.workers[slot].name
        + " did not return from a timed-out handler within the grace period; replaced it");
  reset_slot(self, slot, "worker replaced");
}

} // namespace troupe::detail
