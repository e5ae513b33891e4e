#include "detail/memory_store.hpp"

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
    case write_kind::claim:
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
      break;
    case write_kind::request_cancel:
      row.cancel_requested = job.cancel_requested;
      break;
    case write_kind::purge:
      break;
  }
}

class memory_store final : public store {
public:
  std::string name() const override { return "memory"; }

  bool durable() const override { return false; }

  caf::expected<std::vector<stored_job>> load() override {
    std::lock_guard<std::mutex> guard{mtx_};
    std::vector<stored_job> jobs;
    jobs.reserve(rows_.size());
    for (auto& [id, row] : rows_)
      jobs.push_back(row);
    std::sort(jobs.begin(), jobs.end(), [](auto& a, auto& b) { return a.seq < b.seq; });
    return jobs;
  }

  caf::error apply(const std::vector<store_write>& writes) override {
    std::lock_guard<std::mutex> guard{mtx_};
    for (auto& w : writes) {
      if (w.kind == write_kind::insert) {
        rows_[w.job.id] = w.job;
      } else if (w.kind == write_kind::purge) {
        for (auto i = rows_.begin(); i != rows_.end();)
          i = is_purged(i->second, w.job.finished_at_ms) ? rows_.erase(i) : std::next(i);
      } else if (auto i = rows_.find(w.job.id); i != rows_.end()) {
        apply_to_row(w, i->second);
      }
    }
    ++counters_.commits;
    counters_.writes += writes.size();
    return {};
  }

  caf::expected<std::optional<stored_job>> find(const std::string& id) override {
    std::lock_guard<std::mutex> guard{mtx_};
    auto i = rows_.find(id);
    if (i == rows_.end())
      return std::optional<stored_job>{};
    return std::optional<stored_job>{i->second};
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
  static bool is_purged(const stored_job& row, const std::optional<int64_t>& cutoff) {
    return is_terminal(row.status) && row.finished_at_ms && cutoff
           && *row.finished_at_ms <= *cutoff;
  }

  // Tests and embedders may read while the journal writes.
  mutable std::mutex mtx_;
  std::map<std::string, stored_job> rows_;
  store_counters counters_;
};

} // namespace

std::shared_ptr<store> make_memory_store() {
  return std::make_shared<memory_store>();
}

} // namespace troupe::detail
