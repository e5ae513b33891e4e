// The supervisor's writes on their way to the store, and what waits for them.
//
// Every message the supervisor handles may change jobs; the writes of all the
// messages in its mailbox leave as one batch when a self-sent `flush` comes
// round (so there is no timer: under light load a write leaves at once, under
// load a batch carries everything that queued). Orders for workers travel
// with the batch, behind its commit; submissions are answered after it. A
// batch sent to the journal is numbered and its submissions wait here until
// the journal answers for it.
#pragma once

#include "internal_protocol.hpp"
#include "troupe/store.hpp"

#include <caf/response_promise.hpp>

#include <deque>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace troupe::detail {

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

/// A change of a group's limit, in effect at once, answered once stored, and
/// undone if the store refuses it.
struct pending_limit_change {
  caf::response_promise promise;
  std::string group;
  /// The group's own limit before the change (none: it had none).
  std::optional<group_limit> before;
  /// The answer, once stored.
  std::string answer;
};

/// What waits for the commit of a batch.
struct commit_waiters {
  std::vector<pending_submit> submits;
  std::vector<pending_limit_change> limit_changes;

  bool empty() const { return submits.empty() && limit_changes.empty(); }

  void append(commit_waiters&& later) {
    for (auto& submit : later.submits)
      submits.push_back(std::move(submit));
    for (auto& change : later.limit_changes)
      limit_changes.push_back(std::move(change));
  }
};

/// Writes for the store, and what waits for their commit.
struct write_batch {
  std::vector<store_write> writes;
  std::vector<run_batch> runs;
  commit_waiters waiters;

  bool empty() const { return writes.empty() && waiters.empty() && runs.empty(); }
};

class write_behind {
public:
  /// Adds a write to the batch.
  void add(store_write write) { next_.writes.push_back(std::move(write)); }

  /// Adds the finish of a job: it takes the place of the job's start if
  /// that is the last write (a start and its finish are then one write).
  void add_finish(job_finished finish) {
    auto& writes = next_.writes;
    if (!writes.empty())
      if (auto* start = std::get_if<attempt_started>(&writes.back());
          start && start->seq == finish.seq) {
        writes.back() = std::move(finish);
        return;
      }
    writes.push_back(std::move(finish));
  }

  /// Orders for a worker, sent once the writes before them are stored.
  void add_run(run_batch run) { next_.runs.push_back(std::move(run)); }

  /// A submission answered once the writes before it are stored.
  void add_submit(pending_submit submit) { next_.waiters.submits.push_back(std::move(submit)); }

  /// A limit change answered once the writes before it are stored.
  void add_limit_change(pending_limit_change change) {
    next_.waiters.limit_changes.push_back(std::move(change));
  }

  /// Whether a flush must be asked for: true once per batch.
  bool needs_flush() { return !std::exchange(flush_asked_, true); }

  /// Takes the batch to send, if anything waits.
  std::optional<write_batch> take() {
    flush_asked_ = false;
    if (next_.empty())
      return std::nullopt;
    auto batch = std::move(next_);
    next_ = write_batch{};
    // The next batch is likely as large: growing it write by write would move
    // every row several times.
    next_.writes.reserve(batch.writes.size());
    return batch;
  }

  /// A batch went to the journal with `waiters`; returns its number.
  uint64_t sent(commit_waiters waiters) {
    in_flight_.emplace_back(++last_sent_, std::move(waiters));
    return last_sent_;
  }

  /// The journal answered for the batches up to `last`: what waited for them.
  commit_waiters answered(uint64_t last) {
    commit_waiters done;
    while (!in_flight_.empty() && in_flight_.front().first <= last) {
      done.append(std::move(in_flight_.front().second));
      in_flight_.pop_front();
    }
    return done;
  }

  /// Nothing waits to be sent or stored.
  bool idle() const { return in_flight_.empty() && next_.empty(); }

  /// Records how the last commit went (`error` empty: stored); returns
  /// whether that changed the store's health.
  bool record(const std::string& error) {
    auto changed = error.empty() != store_error_.empty();
    store_error_ = error;
    return changed;
  }

  /// Why the last commit failed; empty while commits succeed.
  const std::string& store_error() const { return store_error_; }

private:
  write_batch next_;
  bool flush_asked_ = false;
  uint64_t last_sent_ = 0;
  std::deque<std::pair<uint64_t, commit_waiters>> in_flight_;
  std::string store_error_;
};

} // namespace troupe::detail
