// Rebuilding the jobs a store holds, as they were when the engine last
// stopped. Pending jobs keep their order and their remaining delay; jobs that
// were running lost their attempt, which counts; finished ones stay
// answerable (from the store) until their TTL and cost only their count.
#include "supervisor/supervisor_state.hpp"

namespace troupe::detail {

namespace {

/// A job that was running when the engine stopped: the attempt is over.
void interrupted(self_ptr self, uint64_t seq, job_entry& job, int64_t now_ms) {
  auto error =
    "interrupted: the engine stopped during attempt " + std::to_string(job.record.attempts);
  if (job.record.cancel_requested) {
    finish(self, seq, job, job_status::cancelled, {}, "cancelled");
  } else if (job.record.attempts >= job.options.max_attempts) {
    finish(self, seq, job, job_status::failed, {}, error + "; no attempts remain");
  } else {
    write(self, retry_scheduled{seq, error, now_ms});
    job.record.error = std::move(error);
    enqueue(self, seq, job);
  }
}

} // namespace

void recover(self_ptr self, std::vector<stored_job>& rows) {
  auto& st = self->state;
  auto now = st.now();
  auto now_ms = to_epoch_ms(now);
  auto ttl = st.config.result_ttl.count();
  for (auto& row : rows) {
    st.jobs.numbered(row.seq);
    auto key = parse_job_id(row.id);
    if (!key || key->seq != row.seq)
      continue; // Not made by an engine of this version; nothing can ask for it.
    if (is_terminal(row.status)) {
      auto finished = row.finished_at_ms.value_or(0);
      if (finished + ttl <= now_ms)
        continue;
      st.counters.recovered();
      st.counters.add(row.status);
      st.keys.remember(row.options.idempotency_key, *key);
      retain(self, row.seq, row.status, row.options.idempotency_key,
             now + std::chrono::milliseconds{finished + ttl - now_ms});
      continue;
    }
    st.counters.recovered();
    auto& entry = adopt(self, row, *key);
    if (entry.status() == job_status::running) {
      set_status(self, entry, job_status::pending);
      interrupted(self, row.seq, entry, now_ms);
    } else {
      queue_at(self, row.seq, entry, now + std::chrono::milliseconds{row.ready_at_ms - now_ms});
    }
  }
  // Rows come in submission order, not in the order they finished; from here
  // on, one TTL for all keeps the expiries sorted.
  st.finished.sort_by_expiry();
  write(self, results_purged{now_ms - ttl});
  arm(self);
}

} // namespace troupe::detail
