#include "supervisor/retention.hpp"

#include <algorithm>

namespace troupe::detail {

void retention::retain(uint64_t seq, job_status status, clock::time_point expires,
                       std::optional<job_record> record) {
  retained_.push_back(retained_job{expires, seq, status});
  if (record)
    recent_.add(seq, std::move(*record));
}

void retention::sort_by_expiry() {
  std::stable_sort(
    retained_.begin(), retained_.end(),
    [](const retained_job& a, const retained_job& b) { return a.expires < b.expires; });
}

std::optional<clock::time_point> retention::next_expiry() const {
  if (retained_.empty())
    return std::nullopt;
  return retained_.front().expires;
}

std::vector<retained_job> retention::expire(clock::time_point now) {
  std::vector<retained_job> expired;
  while (!retained_.empty() && retained_.front().expires <= now) {
    expired.push_back(retained_.front());
    recent_.erase(retained_.front().seq);
    retained_.pop_front();
  }
  return expired;
}

std::optional<job_status> retention::take_back(uint64_t seq) {
  recent_.erase(seq);
  auto i = std::find_if(retained_.begin(), retained_.end(),
                        [&](const retained_job& job) { return job.seq == seq; });
  if (i == retained_.end())
    return std::nullopt;
  auto status = i->status;
  retained_.erase(i);
  return status;
}

} // namespace troupe::detail
