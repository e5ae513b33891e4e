// Batches on their way to the store and the answers that wait for them. A
// durable store commits the batch in the journal actor, which then starts the
// batch's runs and reports back; submissions are acknowledged only after
// that. The memory store has nothing to wait for: the batch applies at once,
// in the supervisor.
#include "supervisor/supervisor_state.hpp"

#include "troupe/errors.hpp"
#include "troupe/log.hpp"

namespace troupe::detail {

namespace {

/// Delivers the answers of submissions whose writes are stored, or refuses
/// them if `error` is set (their jobs were never stored).
void answer(self_ptr self, std::vector<pending_submit>& submits, const std::string& error) {
  auto& st = self->state;
  for (auto& submit : submits) {
    for (size_t i = 0; i < submit.outcomes.size(); ++i) {
      auto& outcome = submit.outcomes[i];
      if (outcome.error)
        continue;
      auto key = parse_job_id(outcome.id);
      if (error.empty() && outcome.created) {
        // The journal starts runs before it reports the commit: the job may
        // even be finished (and gone from memory) by now.
        if (auto* job = st.jobs.find(*key))
          job->stored = true;
        continue;
      }
      if (error.empty()) {
        // A repeated key: fine unless the first submission was refused.
        auto* first = st.keys.find(submit.matched_keys[i]);
        if (first != nullptr && *first == *key)
          continue;
      }
      if (outcome.created)
        drop_job(self, key->seq);
      outcome.error = make_error(errc::store_unavailable,
                                 "the job store could not record the job: "
                                   + (error.empty() ? "its first submission failed" : error));
    }
    if (!submit.single) {
      add_snapshots(self, submit.outcomes);
      submit.promise.deliver(std::move(submit.outcomes));
    } else if (auto& only = submit.outcomes.front(); only.error) {
      submit.promise.deliver(std::move(only.error));
    } else {
      submit.promise.deliver(std::move(only.id), only.created);
    }
  }
}

/// Answers changes of limits once stored; undoes them if `error` is set.
void answer(self_ptr self, std::vector<pending_limit_change>& changes, const std::string& error) {
  auto& st = self->state;
  // Undone newest first, so that each group ends with the limit it had
  // before the first change of the failed batch.
  for (auto i = changes.rbegin(); i != changes.rend(); ++i) {
    if (error.empty()) {
      i->promise.deliver(std::move(i->answer));
      continue;
    }
    if (i->before)
      st.limits.set(i->group, *i->before);
    else
      st.limits.remove(i->group);
    i->promise.deliver(
      make_error(errc::store_unavailable, "the job store could not record the limit: " + error));
  }
  // The next dispatch (after the failed batch's runs) tries every group again.
  if (!error.empty() && !changes.empty())
    st.ready.unblock_all();
}

void answer(self_ptr self, commit_waiters& waiters, const std::string& error) {
  answer(self, waiters.submits, error);
  answer(self, waiters.limit_changes, error);
}

} // namespace

void flush(self_ptr self) {
  auto& st = self->state;
  auto taken = st.writes.take();
  if (!taken)
    return;
  auto& batch = *taken;
  if (st.journal) {
    auto number = st.writes.sent(std::move(batch.waiters));
    self->send(st.journal, journal_atom::value, number, std::move(batch.writes),
               std::move(batch.runs));
    return;
  }
  // The memory store: nothing to wait for.
  if (!batch.writes.empty())
    st.store().apply(batch.writes);
  for (auto& run : batch.runs)
    hand_over(self, run);
  answer(self, batch.waiters, {});
  answer_drain_when_committed(self);
}

void on_journal_answer(self_ptr self, uint64_t last, const std::string& error) {
  auto& st = self->state;
  if (st.writes.record(error))
    log(error.empty() ? log_level::info : log_level::error,
        error.empty() ? "the job store accepts writes again"
                      : "the job store failed a write; refusing submissions until it "
                        "recovers: "
                          + error);
  auto waiters = st.writes.answered(last);
  answer(self, waiters, error);
  answer_drain_when_committed(self);
}

void answer_drain_when_committed(self_ptr self) {
  auto& st = self->state;
  if (st.gate.owes_answer() && st.writes.idle())
    st.gate.answer(stats_json(self));
}

} // namespace troupe::detail
