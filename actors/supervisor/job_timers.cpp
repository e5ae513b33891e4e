#include "supervisor/job_timers.hpp"

#include <algorithm>

namespace troupe::detail {

void job_timers::watch_timeout(uint64_t lease, uint64_t seq, time_point when) {
  cancel_timeout(lease);
  timeouts_[lease] = queue_.add(when, timer_event{timer_kind::timeout, seq, lease});
}

void job_timers::cancel_timeout(uint64_t lease) {
  if (auto i = timeouts_.find(lease); i != timeouts_.end()) {
    queue_.cancel(i->second);
    timeouts_.erase(i);
  }
}

uint64_t job_timers::add_wait(uint64_t seq, time_point deadline) {
  auto number = ++next_wait_;
  waits_[seq].emplace_back(number,
                           queue_.add(deadline, timer_event{timer_kind::wait, seq, number}));
  return number;
}

void job_timers::cancel_waits(uint64_t seq) {
  auto i = waits_.find(seq);
  if (i == waits_.end())
    return;
  for (auto& [number, handle] : i->second)
    queue_.cancel(handle);
  waits_.erase(i);
}

std::vector<std::pair<uint64_t, uint64_t>> job_timers::take_waits() {
  std::vector<std::pair<uint64_t, uint64_t>> taken;
  for (auto& [seq, waits] : waits_)
    for (auto& [number, handle] : waits) {
      queue_.cancel(handle);
      taken.emplace_back(seq, number);
    }
  waits_.clear();
  return taken;
}

std::vector<timer_event> job_timers::expire(time_point now) {
  armed_ = time_point::max();
  auto due = queue_.expire(now);
  // What fell due can no longer be cancelled: forget its handles.
  for (auto& event : due) {
    if (event.kind == timer_kind::timeout) {
      timeouts_.erase(event.lease);
    } else if (event.kind == timer_kind::wait) {
      auto i = waits_.find(event.seq);
      if (i == waits_.end())
        continue;
      auto& waits = i->second;
      waits.erase(std::remove_if(waits.begin(), waits.end(),
                                 [&](const auto& w) { return w.first == event.lease; }),
                  waits.end());
      if (waits.empty())
        waits_.erase(i);
    }
  }
  return due;
}

std::optional<job_timers::time_point> job_timers::wake_up(std::optional<time_point> other) {
  auto earliest =
    std::min(queue_.next().value_or(time_point::max()), other.value_or(time_point::max()));
  if (earliest >= armed_)
    return std::nullopt;
  armed_ = earliest;
  return earliest;
}

} // namespace troupe::detail
