// The drain: the gate closes, unstarted leases are taken back, and the drain
// settles when no job runs any more or its deadline comes; its answer waits
// for the last commits (commits.cpp).
#include "supervisor/supervisor_state.hpp"

namespace troupe::detail {

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
