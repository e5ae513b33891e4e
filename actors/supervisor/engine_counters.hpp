// What the engine counts for stats and metrics, kept apart from the logic
// that changes jobs: counts by status, per type, the duration histogram, the
// last minutes' activity, and the restart intensity that decides whether the
// engine reports itself healthy.
#pragma once

#include "supervisor/recent_activity.hpp"
#include "troupe/clock.hpp"
#include "troupe/job.hpp"
#include "troupe/stats.hpp"

#include <nlohmann/json.hpp>

#include <array>
#include <chrono>
#include <deque>
#include <map>
#include <optional>
#include <string>

namespace troupe::detail {

class engine_counters {
public:
  /// Upper bounds (seconds) of the job duration histogram's buckets.
  static constexpr std::array<double, 11> duration_bounds{0.001, 0.005, 0.01, 0.05, 0.1, 0.5,
                                                          1,     5,     10,   30,   60};

  // -- jobs --

  /// A job entered the books (submitted or recovered) in `status`.
  void add(job_status status) { ++by_status_[index(status)]; }

  /// A job left the books (expired or refused) in `status`.
  void remove(job_status status) { --by_status_[index(status)]; }

  void move(job_status from, job_status to) {
    remove(from);
    add(to);
  }

  size_t count(job_status status) const { return by_status_[index(status)]; }

  void submitted(const std::string& type) {
    ++submitted_total_;
    ++types_[type].submitted;
  }

  /// Takes back a submission whose insert could not be stored.
  void unsubmitted(const std::string& type) {
    --submitted_total_;
    --types_[type].submitted;
  }

  /// A job of `type` finished at `now` in `status`; `run_seconds` is its
  /// final attempt's run time (none if it never started).
  void finished(const std::string& type, job_status status, clock::time_point now,
                std::optional<double> run_seconds);

  /// A job began (true) or ended (false) waiting for a timer: a delay or a
  /// retry's backoff.
  void waiting(bool begins) { begins ? ++waiting_ : --waiting_; }
  size_t waiting() const { return waiting_; }

  /// A job was read back from the store at start.
  void recovered() { ++recovered_; }

  // -- workers --

  /// Records a worker restart at `now`.
  void restarted(clock::time_point now) {
    ++restarts_;
    recent_restarts_.push_back(now);
  }

  void replaced() { ++replaced_; }

  /// Applies the restart-intensity policy at `now`; returns whether the
  /// health changed (to be logged).
  bool update_health(clock::time_point now, std::chrono::milliseconds window, size_t limit);

  bool healthy() const { return healthy_; }

  size_t recent_restarts() const { return recent_restarts_.size(); }

  // -- rendering --

  /// Fills `jobs`, `workers.restarts/replaced`, `submitted_total`, `types`
  /// (but their `pending`), `queue.delayed`, `recovered`, `healthy`,
  /// `duration_seconds` and `recent` (as of `now`).
  void fill(engine_stats& stats, clock::time_point now) const;

private:
  static size_t index(job_status s) { return static_cast<size_t>(s); }

  struct type_counters {
    uint64_t submitted = 0;
    std::array<uint64_t, job_status_count> finished{};
  };

  std::array<size_t, job_status_count> by_status_{};
  uint64_t submitted_total_ = 0;
  size_t waiting_ = 0;
  uint64_t recovered_ = 0;
  std::map<std::string, type_counters> types_;
  std::array<uint64_t, duration_bounds.size() + 1> duration_counts_{};
  double duration_sum_ = 0;
  uint64_t duration_count_ = 0;
  recent_activity recent_;
  uint64_t restarts_ = 0;
  uint64_t replaced_ = 0;
  std::deque<clock::time_point> recent_restarts_;
  bool healthy_ = true;
};

} // namespace troupe::detail
