#include "store/memory_store.hpp"

#include "job_id.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <type_traits>
#include <variant>

namespace troupe::detail {

namespace {

/// Applies the fields a change names to its row.
void change_row(stored_job& row, const attempt_started& w) {
  row.status = job_status::running;
  row.attempts = w.attempts;
  row.started_at_ms = w.started_at_ms;
  row.worker = w.worker;
}

void change_row(stored_job& row, const retry_scheduled& w) {
  row.status = job_status::pending;
  row.error = w.error;
  row.ready_at_ms = w.ready_at_ms;
}

void change_row(stored_job& row, const job_finished& w) {
  row.status = w.status;
  row.result = w.result;
  row.error = w.error;
  row.finished_at_ms = w.finished_at_ms;
  row.attempts = w.attempts;
  row.started_at_ms = w.started_at_ms;
  row.worker = w.worker;
}

void change_row(stored_job& row, const cancel_arrived&) {
  row.cancel_requested = true;
}

void change_row(stored_job& row, const job_requeued& w) {
  auto kept = std::move(row);
  row = w.job;
  row.id = std::move(kept.id);
  row.type = std::move(kept.type);
  row.payload = std::move(kept.payload);
  row.options = std::move(kept.options);
}

/// Rows keyed by submission sequence, with an index of finished ones by time,
/// so that a purge touches only what it deletes.
class memory_store final : public store {
public:
  std::string name() const override { return "memory"; }

  bool durable() const override { return false; }

  caf::expected<std::vector<stored_job>> load() override {
    std::lock_guard<std::mutex> guard{mtx_};
    std::vector<stored_job> jobs;
    jobs.reserve(rows_.size());
    for (auto& [seq, row] : rows_)
      jobs.push_back(row);
    return jobs;
  }

  caf::expected<stored_limits> load_limits() override {
    std::lock_guard<std::mutex> guard{mtx_};
    stored_limits limits;
    for (auto& [group, limit] : limits_)
      limits.push_back(limit_set{group, limit});
    return limits;
  }

  caf::error apply(const std::vector<store_write>& writes) override {
    std::lock_guard<std::mutex> guard{mtx_};
    for (auto& w : writes)
      std::visit([&](auto& change) { apply_locked(change); }, w);
    ++counters_.commits;
    counters_.writes += writes.size();
    return {};
  }

  caf::expected<std::optional<stored_job>> find(const std::string& id) override {
    std::lock_guard<std::mutex> guard{mtx_};
    auto i = rows_.end();
    if (auto key = parse_job_id(id))
      i = rows_.find(key->seq);
    else // Not made by an engine (tests, tools): look at every row.
      i = std::find_if(rows_.begin(), rows_.end(), [&](auto& row) { return row.second.id == id; });
    if (i == rows_.end() || i->second.id != id)
      return std::optional<stored_job>{};
    return std::optional<stored_job>{i->second};
  }

  caf::expected<std::vector<stored_job>> list_finished(const job_filter& filter,
                                                       uint64_t before_seq) override {
    std::lock_guard<std::mutex> guard{mtx_};
    std::vector<stored_job> jobs;
    auto limit = static_cast<size_t>(std::max<int64_t>(0, filter.limit));
    for (auto i = std::make_reverse_iterator(rows_.lower_bound(before_seq));
         i != rows_.rend() && jobs.size() < limit; ++i) {
      auto& row = i->second;
      if (is_terminal(row.status) && filter.matches(row.status, row.type, row.options.group))
        jobs.push_back(row);
    }
    return jobs;
  }

  caf::expected<uint64_t> count() override {
    std::lock_guard<std::mutex> guard{mtx_};
    return static_cast<uint64_t>(rows_.size());
  }

  store_counters counters() const override {
    std::lock_guard<std::mutex> guard{mtx_};
    return counters_;
  }

private:
  void apply_locked(const job_inserted& w) {
    rows_[w.job.seq] = w.job;
    if (w.job.finished_at_ms)
      by_finish_.emplace(*w.job.finished_at_ms, w.job.seq);
  }

  void apply_locked(const results_purged& w) { purge(w.cutoff_ms); }

  void apply_locked(const limit_set& w) { limits_[w.group] = w.limit; }

  void apply_locked(const limit_removed& w) { limits_.erase(w.group); }

  template <class Change> void apply_locked(const Change& w) {
    uint64_t seq = 0;
    if constexpr (std::is_same_v<Change, job_requeued>)
      seq = w.job.seq;
    else
      seq = w.seq;
    auto i = rows_.find(seq);
    if (i == rows_.end())
      return;
    change_row(i->second, w);
    if constexpr (std::is_same_v<Change, job_finished>)
      by_finish_.emplace(w.finished_at_ms, w.seq);
  }

  void purge(int64_t cutoff_ms) {
    auto end = by_finish_.upper_bound(cutoff_ms);
    for (auto i = by_finish_.begin(); i != end; ++i) {
      // A job run again and finished later is indexed again, under its new time.
      auto row = rows_.find(i->second);
      if (row == rows_.end())
        continue;
      auto& finished = row->second.finished_at_ms;
      if (finished && *finished <= cutoff_ms)
        rows_.erase(row);
    }
    by_finish_.erase(by_finish_.begin(), end);
  }

  // Tests and embedders may read while the engine writes.
  mutable std::mutex mtx_;
  std::map<uint64_t, stored_job> rows_;
  std::multimap<int64_t, uint64_t> by_finish_;
  std::map<std::string, group_limit> limits_;
  store_counters counters_;
};

} // namespace

std::shared_ptr<store> make_memory_store() {
  return std::make_shared<memory_store>();
}

} // namespace troupe::detail
