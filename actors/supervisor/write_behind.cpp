// Write-behind: the supervisor's changes reach the store in batches.
//
// Every message the supervisor handles may change jobs; the writes of all the
// messages in its mailbox go out as one batch when a self-sent `flush` comes
// round (so there is no timer: under light load a write leaves at once, under
// load a batch carries everything that queued). A durable store commits the
// batch in the journal actor, which then starts the batch's runs and reports
// back; submissions are acknowledged only after that. The memory store has
// nothing to wait for: the batch applies at once, in the supervisor.
#include "supervisor/supervisor_state.hpp"

#include "troupe/errors.hpp"
#include "troupe/log.hpp"

namespace troupe::detail {

void schedule_flush(self_ptr self) {
  auto& st = self->state;
  if (!st.flush_scheduled) {
    st.flush_scheduled = true;
    self->send(self, flush_atom::value);
  }
}

stored_job& write(self_ptr self, write_kind kind, uint64_t seq, const job_entry& job) {
  auto& writes = self->state.unflushed.writes;
  writes.push_back(store_write{kind, {}});
  auto& row = writes.back().job;
  // Stores key rows by sequence; the id is written once, with the insert.
  if (kind == write_kind::insert)
    row.id = format_job_id({seq, job.tag});
  row.seq = seq;
  schedule_flush(self);
  return row;
}

stored_job& write_finish(self_ptr self, uint64_t seq, const job_entry& job) {
  auto& writes = self->state.unflushed.writes;
  if (!writes.empty() && writes.back().kind == write_kind::start && writes.back().job.seq == seq) {
    writes.back().kind = write_kind::finish;
    return writes.back().job;
  }
  return write(self, write_kind::finish, seq, job);
}

void write_purge(self_ptr self, int64_t cutoff_ms) {
  auto& writes = self->state.unflushed.writes;
  writes.push_back(store_write{write_kind::purge, {}});
  writes.back().job.finished_at_ms = cutoff_ms;
  schedule_flush(self);
}

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
        auto first = st.idempotency_keys.find(submit.matched_keys[i]);
        if (first != st.idempotency_keys.end() && first->second == *key)
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

} // namespace

void flush(self_ptr self) {
  auto& st = self->state;
  st.flush_scheduled = false;
  if (st.unflushed.empty())
    return;
  auto batch = std::move(st.unflushed);
  st.unflushed = write_batch{};
  // The next batch is likely as large: growing it write by write would move
  // every row several times.
  st.unflushed.writes.reserve(batch.writes.size());
  if (st.journal) {
    auto number = ++st.next_batch;
    self->send(st.journal, journal_atom::value, number, std::move(batch.writes),
               std::move(batch.runs));
    st.in_flight.emplace_back(number, std::move(batch.submits));
    return;
  }
  // The memory store: nothing to wait for.
  if (!batch.writes.empty())
    st.store->apply(batch.writes);
  for (auto& run : batch.runs)
    hand_over(self, run);
  answer(self, batch.submits, {});
  answer_drain_when_committed(self);
}

void on_journal_answer(self_ptr self, uint64_t last, const std::string& error) {
  auto& st = self->state;
  if (error.empty() != st.store_error.empty())
    log(error.empty() ? log_level::info : log_level::error,
        error.empty() ? "the job store accepts writes again"
                      : "the job store failed a write; refusing submissions until it "
                        "recovers: "
                          + error);
  st.store_error = error;
  while (!st.in_flight.empty() && st.in_flight.front().first <= last) {
    auto submits = std::move(st.in_flight.front().second);
    st.in_flight.pop_front();
    answer(self, submits, error);
  }
  answer_drain_when_committed(self);
}

void answer_drain_when_committed(self_ptr self) {
  auto& st = self->state;
  if (!st.drain_settled || !st.in_flight.empty() || !st.unflushed.empty())
    return;
  st.drain->deliver(stats_json(self));
  st.drain.reset();
  st.drain_settled = false;
}

} // namespace troupe::detail
