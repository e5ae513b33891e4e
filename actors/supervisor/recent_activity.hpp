// What finished in the last few minutes, for the dashboard's charts.
//
// The counters in `engine_counters` are totals since start, fine for
// Prometheus, which samples them itself. A page opened now wants the last
// minutes at once, so the engine keeps them: finished jobs and their run time
// in fixed buckets of `bucket` length, aligned on the epoch, in a ring that
// forgets what is older than `buckets * bucket`. Memory is constant whatever
// the load.
#pragma once

#include "troupe/clock.hpp"
#include "troupe/stats.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>

namespace troupe::detail {

class recent_activity {
public:
  /// The length of one bucket: five seconds.
  using bucket = std::chrono::duration<int64_t, std::ratio<5>>;

  /// How many buckets are kept: five minutes.
  static constexpr size_t buckets = 60;

  /// A job finished at `now`; `run_seconds` is its final attempt's run time
  /// (none for a job cancelled before it started).
  void finished(clock::time_point now, std::optional<double> run_seconds);

  /// The last `buckets` complete buckets before `now`, oldest first. The
  /// bucket `now` falls in is left out until it is complete, so that a rate
  /// drawn from it is never a part of a bucket taken for the whole.
  recent_stats snapshot(clock::time_point now) const;

private:
  struct slot {
    int64_t number = std::numeric_limits<int64_t>::min();
    uint64_t finished = 0;
    uint64_t timed = 0;
    double run_seconds = 0;
  };

  /// The bucket `t` falls in, counted from the epoch.
  static int64_t number_of(clock::time_point t);

  /// The ring slot of bucket `number`, shared with every bucket `buckets` apart.
  static size_t index_of(int64_t number);

  std::array<slot, buckets> ring_{};
};

} // namespace troupe::detail
