// The jobs that may start now, in the order they must start.
//
// A job system promises two orders: higher priorities first, and within one
// priority the order of submission (a retried job keeps its place by its
// original submission). Not every worker serves every type (a worker node
// may bring types the server lacks), so the queue keeps that order per type:
// a type no worker can take waits on its own without holding up the others.
// It keeps job sequences and nothing else; what a job is lives in the job
// table.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>

namespace troupe::detail {

class ready_queue {
public:
  /// Adds job `seq` of `type` with `priority` (0 to 9).
  void push(const std::string& type, int32_t priority, uint64_t seq) {
    queues_[type].emplace(-priority, seq);
    ++size_;
  }

  /// Removes job `seq` if it is queued; returns whether it was.
  bool erase(const std::string& type, int32_t priority, uint64_t seq) {
    auto q = queues_.find(type);
    if (q == queues_.end() || q->second.erase({-priority, seq}) == 0)
      return false;
    drop_if_empty(q);
    --size_;
    return true;
  }

  /// Removes and returns the job of `type` that must start next; the type
  /// must have one.
  uint64_t pop(const std::string& type) {
    auto q = queues_.find(type);
    auto seq = q->second.begin()->second;
    q->second.erase(q->second.begin());
    drop_if_empty(q);
    --size_;
    return seq;
  }

  /// Calls `f(type, priority, seq)` for each type with ready jobs, naming
  /// the job of that type that must start next.
  template <class F> void for_each_type(F f) const {
    for (auto& [type, q] : queues_)
      f(type, -q.begin()->first, q.begin()->second);
  }

  /// Whether the job (`priority`, `seq`) must start before (`other_priority`,
  /// `other_seq`).
  static bool before(int32_t priority, uint64_t seq, int32_t other_priority, uint64_t other_seq) {
    return priority != other_priority ? priority > other_priority : seq < other_seq;
  }

  bool empty() const { return size_ == 0; }

  size_t size() const { return size_; }

  /// Ready jobs of one type.
  size_t size(const std::string& type) const {
    auto q = queues_.find(type);
    return q == queues_.end() ? 0 : q->second.size();
  }

private:
  /// (-priority, seq): the smallest key starts first.
  using queue = std::set<std::pair<int32_t, uint64_t>>;

  void drop_if_empty(std::map<std::string, queue>::iterator q) {
    if (q->second.empty())
      queues_.erase(q);
  }

  std::map<std::string, queue> queues_;
  size_t size_ = 0;
};

} // namespace troupe::detail
