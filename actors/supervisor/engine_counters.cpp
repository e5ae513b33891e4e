#include "supervisor/engine_counters.hpp"

#include <algorithm>

namespace troupe::detail {

void engine_counters::finished(const std::string& type, job_status status, clock::time_point now,
                               std::optional<double> run_seconds) {
  ++types_[type].finished[index(status)];
  recent_.finished(now, run_seconds);
  if (!run_seconds)
    return;
  auto bucket = std::lower_bound(duration_bounds.begin(), duration_bounds.end(), *run_seconds);
  ++duration_counts_[static_cast<size_t>(bucket - duration_bounds.begin())];
  duration_sum_ += *run_seconds;
  ++duration_count_;
}

bool engine_counters::update_health(clock::time_point now, std::chrono::milliseconds window,
                                    size_t limit) {
  while (!recent_restarts_.empty() && recent_restarts_.front() <= now - window)
    recent_restarts_.pop_front();
  bool healthy = recent_restarts_.size() <= limit;
  if (healthy == healthy_)
    return false;
  healthy_ = healthy;
  return true;
}

void engine_counters::fill(engine_stats& s, clock::time_point now) const {
  s.jobs = {count(job_status::pending), count(job_status::running), count(job_status::success),
            count(job_status::failed), count(job_status::cancelled)};
  s.workers.restarts = restarts_;
  s.workers.replaced = replaced_;
  s.submitted_total = submitted_total_;
  s.queue.delayed = waiting_;
  s.recovered = recovered_;
  s.healthy = healthy_;
  for (auto& [name, c] : types_) {
    auto& t = s.types[name];
    t.submitted = c.submitted;
    t.success = c.finished[index(job_status::success)];
    t.failed = c.finished[index(job_status::failed)];
    t.cancelled = c.finished[index(job_status::cancelled)];
  }
  s.duration_seconds = {{duration_bounds.begin(), duration_bounds.end()},
                        {duration_counts_.begin(), duration_counts_.end()},
                        duration_sum_,
                        duration_count_};
  s.recent = recent_.snapshot(now);
}

} // namespace troupe::detail
