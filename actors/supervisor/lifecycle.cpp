// The tick (timers, result expiry, restart intensity) and retries asked for
// after a job's end.
#include "supervisor/supervisor_state.hpp"

#include "store/store_queries.hpp"
#include "troupe/errors.hpp"

namespace troupe::detail {

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
    case timer_kind::group_tokens:
      for (auto& group : st.limits.refilled(st.now()))
        st.ready.unblock(group);
      break;
  }
}

/// Forgets finished jobs whose TTL ran out; their rows go in one purge.
void expire_results(self_ptr self, time_point now) {
  auto& st = self->state;
  auto expired = st.finished.expire(now);
  if (expired.empty())
    return;
  write(self, results_purged{to_epoch_ms(now) - st.config.result_ttl.count()});
  for (auto& done : expired) {
    st.counters.remove(done.status);
    st.keys.expire(done.seq);
  }
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

} // namespace troupe::detail
