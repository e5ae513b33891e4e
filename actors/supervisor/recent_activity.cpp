#include "supervisor/recent_activity.hpp"

namespace troupe::detail {

int64_t recent_activity::number_of(clock::time_point t) {
  return std::chrono::floor<bucket>(t.time_since_epoch()).count();
}

size_t recent_activity::index_of(int64_t number) {
  auto n = static_cast<int64_t>(buckets);
  return static_cast<size_t>((number % n + n) % n);
}

void recent_activity::finished(clock::time_point now, std::optional<double> run_seconds) {
  auto number = number_of(now);
  auto& s = ring_[index_of(number)];
  if (s.number != number)
    s = slot{number};
  ++s.finished;
  if (run_seconds) {
    ++s.timed;
    s.run_seconds += *run_seconds;
  }
}

recent_stats recent_activity::snapshot(clock::time_point now) const {
  auto current = number_of(now);
  recent_stats out;
  for (auto number = current - static_cast<int64_t>(buckets); number < current; ++number) {
    const auto& s = ring_[index_of(number)];
    bool kept = s.number == number;
    out.finished.push_back(kept ? s.finished : 0);
    out.timed.push_back(kept ? s.timed : 0);
    out.run_seconds.push_back(kept ? s.run_seconds : 0.0);
  }
  using std::chrono::duration_cast;
  out.bucket_seconds = duration_cast<std::chrono::seconds>(bucket{1}).count();
  out.until_ms = duration_cast<std::chrono::milliseconds>(bucket{current}).count();
  return out;
}

} // namespace troupe::detail
