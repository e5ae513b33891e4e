// The jobs that may start now, in the order they must start.
//
// A job system promises two orders: higher priorities first, and within one
// priority the order of submission (a retried job keeps its place by its
// original submission). The ready queue keeps exactly that order over job
// sequences and nothing else; what a job is lives in the job table.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <utility>

namespace troupe::detail {

class ready_queue {
public:
  /// Adds job `seq` with `priority` (0 to 9).
  void push(int32_t priority, uint64_t seq) { entries_.emplace(-priority, seq); }

  /// Removes job `seq` if it is queued; returns whether it was.
  bool erase(int32_t priority, uint64_t seq) { return entries_.erase({-priority, seq}) > 0; }

  /// Removes and returns the job that must start next.
  uint64_t pop() {
    auto seq = entries_.begin()->second;
    entries_.erase(entries_.begin());
    return seq;
  }

  /// The priority of the job that would start next, if any.
  std::optional<int32_t> top_priority() const {
    if (entries_.empty())
      return std::nullopt;
    return -entries_.begin()->first;
  }

  bool empty() const { return entries_.empty(); }

  size_t size() const { return entries_.size(); }

private:
  /// (-priority, seq): the smallest key starts first.
  std::set<std::pair<int32_t, uint64_t>> entries_;
};

} // namespace troupe::detail
