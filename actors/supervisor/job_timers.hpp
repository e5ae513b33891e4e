// Every deadline the supervisor keeps, and the one wake-up that serves them.
//
// Delays and retry backoff, attempt timeouts and their grace, the drain's and
// leaving nodes' deadlines and long-polls all fall due here. Two kinds are
// also looked up before they are due: an attempt's timeout by its lease (it
// ends with the attempt) and a long-poll's deadline by its job (it ends with
// the job). The set never reads a clock: `expire(now)` hands back what is due,
// and `wake_up` says when the actor must next be woken, so that at most one
// tick is armed ahead of the earliest deadline.
#pragma once

#include "supervisor/deadline_queue.hpp"
#include "troupe/clock.hpp"

#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

namespace troupe::detail {

enum class timer_kind : uint8_t {
  ready,
  timeout,
  grace,
  drain_deadline,
  node_deadline,
  wait,
  /// Rate-limited groups wait for a token.
  group_tokens
};

struct timer_event {
  timer_kind kind;
  /// The job, or for `node_deadline` the node's join number.
  uint64_t seq = 0;
  /// The lease, or for `wait` the long-poll's number.
  uint64_t lease = 0;
};

class job_timers {
public:
  using time_point = clock::time_point;

  /// Adds a deadline that nobody looks up before it falls due.
  void add(time_point when, timer_event event) { queue_.add(when, event); }

  /// Watches the time limit of the attempt holding `lease` on job `seq`.
  void watch_timeout(uint64_t lease, uint64_t seq, time_point when);

  /// The attempt of `lease` ended: its time limit no longer applies.
  void cancel_timeout(uint64_t lease);

  /// Adds the deadline of a long-poll on job `seq`; returns its number.
  uint64_t add_wait(uint64_t seq, time_point deadline);

  /// Job `seq` ended: its long-polls have nothing left to wait for.
  void cancel_waits(uint64_t seq);

  /// Takes every long-poll still waiting, as (job, number), cancelling their
  /// deadlines: they are to be answered now.
  std::vector<std::pair<uint64_t, uint64_t>> take_waits();

  /// Removes and returns what is due at `now`, earliest first; the wake-up
  /// that brought us here is spent.
  std::vector<timer_event> expire(time_point now);

  /// When to schedule a wake-up so that one comes by the earliest of our
  /// deadlines and `other` (a deadline kept elsewhere); none if one that
  /// early is armed already.
  std::optional<time_point> wake_up(std::optional<time_point> other);

  size_t size() const { return queue_.size(); }

private:
  using queue_type = deadline_queue<time_point, timer_event>;

  queue_type queue_;
  std::unordered_map<uint64_t, queue_type::handle> timeouts_;
  std::unordered_map<uint64_t, std::vector<std::pair<uint64_t, queue_type::handle>>> waits_;
  uint64_t next_wait_ = 0;
  /// The earliest wake-up already scheduled.
  time_point armed_ = time_point::max();
};

} // namespace troupe::detail
