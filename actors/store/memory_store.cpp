#include "store/memory_store.hpp"

#include "job_id.hpp"

#include <algorithm>
#include <map>
#include <mutex>

namespace troupe::detail {

namespace {

/// Applies the fields `w.kind` names to a row.
void apply_to_row(const store_write& w, stored_job& row) {
  const auto& job = w.job;
  switch (w.kind) {
    case write_kind::insert:
      row = job;
      break;
    case write_kind::start:
      row.status = job.status;
      row.attempts = job.attempts;
      row.started_at_ms = job.started_at_ms;
      row.worker = job.worker;
      break;
    case write_kind::retry:
      row.status = job.status;
      row.error = job.error;
      row.ready_at_ms = job.ready_at_ms;
      break;
    case write_kind::finish:
      row.status = job.status;
      row.result = job.result;
      row.error = job.error;
      row.finished_at_ms = job.finished_at_ms;
      row.attempts = job.attempts;
      row.started_at_ms = job.started_at_ms;
      row.worker = job.worker;
      break;
    case write_kind::request_cancel:
      row.cancel_requested = job.cancel_requested;
      break;
    case write_kind::requeue: {
      auto kept = std::move(row);
      row = job;
      row.id = std::move(kept.id);
      row.type = std::move(kept.type);
      row.payload = std::move(kept.payload);
      row.options = std::move(kept.options);
      break;
    }
    case write_kind::purge:
      break;
  }
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

  caf::error apply(const std::vector<store_write>& writes) override {
    std::lock_guard<std::mutex> guard{mtx_};
    for (auto& w : writes) {
      if (w.kind == write_kind::insert) {
        rows_[w.job.seq] = w.job;
        if (w.job.finished_at_ms)
          by_finish_.emplace(*w.job.finished_at_ms, w.job.seq);
      } else if (w.kind == write_kind::purge) {
        purge(*w.job.finished_at_ms);
      } else if (auto i = rows_.find(w.job.seq); i != rows_.end()) {
        apply_to_row(w, i->second);
        if (w.kind == write_kind::finish)
          by_finish_.emplace(*w.job.finished_at_ms, w.job.seq);
      }
    }
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

  caf::expected<std::vector<stored_job>> list_finished(const std::string& status,
                                                       const std::string& type, size_t limit,
                                                       uint64_t before_seq) override {
    std::lock_guard<std::mutex> guard{mtx_};
    std::vector<stored_job> jobs;
    for (auto i = std::make_reverse_iterator(rows_.lower_bound(before_seq));
         i != rows_.rend() && jobs.size() < limit; ++i) {
      auto& row = i->second;
      if (is_terminal(row.status) && (status.empty() || status == to_string(row.status))
          && (type.empty() || type == row.type))
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
  store_counters counters_;
};

} // namespace

std::shared_ptr<store> make_memory_store() {
  return std::make_shared<memory_store>();
}

} // namespace troupe::detail
