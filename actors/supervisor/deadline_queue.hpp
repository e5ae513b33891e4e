// The supervisor's timers, as a value that takes time as input.
//
// Delays, retry backoff, attempt timeouts, grace periods and the drain
// deadline all become entries here. The queue never reads a clock: `add` says
// whether the earliest deadline moved (so the caller arms one wake-up on its
// clock), and `expire(now)` hands back what is due, in deadline order. That
// makes every timed behaviour testable without threads or sleeps.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

namespace troupe::detail {

template <class TimePoint, class Event> class deadline_queue {
public:
  using handle = typename std::multimap<TimePoint, Event>::iterator;

  /// Adds `event` due at `when`; `moved` tells whether it is now the earliest.
  handle add(TimePoint when, Event event, bool* moved = nullptr) {
    auto i = entries_.emplace(when, std::move(event));
    if (moved != nullptr)
      *moved = i == entries_.begin();
    return i;
  }

  /// Drops an entry that has not fallen due yet.
  void cancel(handle h) { entries_.erase(h); }

  /// Removes and returns every event due at or before `now`, earliest first.
  std::vector<Event> expire(TimePoint now) {
    std::vector<Event> due;
    while (!entries_.empty() && entries_.begin()->first <= now) {
      due.push_back(std::move(entries_.begin()->second));
      entries_.erase(entries_.begin());
    }
    return due;
  }

  /// The earliest deadline, if any.
  std::optional<TimePoint> next() const {
    if (entries_.empty())
      return std::nullopt;
    return entries_.begin()->first;
  }

  size_t size() const { return entries_.size(); }

private:
  std::multimap<TimePoint, Event> entries_;
};

} // namespace troupe::detail
