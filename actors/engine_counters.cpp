#include "detail/engine_counters.hpp"

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

void engine_counters::to_json(nlohmann::json& j, clock::time_point now) const {
  j["jobs"] = {{"pending", count(job_status::pending)},
               {"running", count(job_status::running)},
               {"success", count(job_status::success)},
               {"failed", count(job_status::failed)},
               {"cancelled", count(job_status::cancelled)}};
  j["workers"]["restarts"] = restarts_;
  j["workers"]["replaced"] = replaced_;
  j["submitted_total"] = submitted_total_;
  j["healthy"] = healthy_;
  auto& types = j["types"] = nlohmann::json::object();
  for (auto& [name, c] : types_)
    types[name] = {{"submitted", c.submitted},
                   {"success", c.finished[index(job_status::success)]},
                   {"failed", c.finished[index(job_status::failed)]},
                   {"cancelled", c.finished[index(job_status::cancelled)]}};
  j["duration_seconds"] = {{"le", duration_bounds},
                           {"counts", duration_counts_},
                           {"sum", duration_sum_},
                           {"count", duration_count_}};
  j["recent"] = recent_.to_json(now);
}

} // namespace troupe::detail
