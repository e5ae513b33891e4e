// The jobs that may start now, in the order they must start.
//
// A job system promises three orders: higher priorities first; within one
// priority, a fair share between groups (one tenant's backlog of 100,000 does
// not hold up another's single job); within a group and priority, the order
// of submission (a retried job keeps its place by its original submission).
// Not every worker serves every type (a worker node may bring types the
// server lacks), so the queue keeps that order per type: a type no worker can
// take waits on its own without holding up the others.
//
// The share is deficit round robin over the groups with ready jobs of a
// priority: the group at the front of the ring gives up to `weight` jobs in a
// row, then goes to the back. Every operation is O(log n) in the jobs of one
// group, whatever the number of groups. Jobs without a group are the group
// "" of their own. It keeps job sequences and nothing else; what a job is
// lives in the job table.
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>

namespace troupe::detail {

class ready_queue {
public:
  /// The share of a group under contention (1 unless set).
  using weight_fn = std::function<uint32_t(const std::string& group)>;

  explicit ready_queue(weight_fn weight = nullptr) : weight_(std::move(weight)) {}

  /// Adds job `seq` of `type` and `group` with `priority` (0 to 9).
  void push(const std::string& type, int32_t priority, const std::string& group, uint64_t seq) {
    auto& level = queues_[type][-priority];
    auto [g, fresh] = level.groups.try_emplace(group);
    if (fresh) {
      // A group that had nothing ready joins at the back of the ring.
      g->second.place = level.ring.insert(level.ring.end(), &g->first);
      if (level.ring.size() == 1)
        level.quantum = weight_of(group);
    }
    g->second.jobs.insert(seq);
    ++size_;
  }

  /// Removes job `seq` if it is queued; returns whether it was.
  bool erase(const std::string& type, int32_t priority, const std::string& group, uint64_t seq) {
    auto q = queues_.find(type);
    if (q == queues_.end())
      return false;
    auto l = q->second.find(-priority);
    if (l == q->second.end())
      return false;
    auto g = l->second.groups.find(group);
    if (g == l->second.groups.end() || g->second.jobs.erase(seq) == 0)
      return false;
    --size_;
    if (g->second.jobs.empty())
      drop_group(l->second, g);
    drop_if_empty(q, l);
    return true;
  }

  /// Removes and returns the job of `type` that must start next; the type
  /// must have one.
  uint64_t pop(const std::string& type) {
    auto q = queues_.find(type);
    auto l = q->second.begin();
    auto& level = l->second;
    auto g = level.groups.find(*level.ring.front());
    auto& jobs = g->second.jobs;
    auto seq = *jobs.begin();
    jobs.erase(jobs.begin());
    --size_;
    if (jobs.empty()) {
      drop_group(level, g);
    } else if (--level.quantum == 0) {
      level.ring.splice(level.ring.end(), level.ring, level.ring.begin());
      level.quantum = weight_of(*level.ring.front());
    }
    drop_if_empty(q, l);
    return seq;
  }

  /// Calls `f(type, priority, seq)` for each type with ready jobs, naming
  /// the job of that type that must start next.
  template <class F> void for_each_type(F f) const {
    for (auto& [type, levels] : queues_) {
      auto& [key, level] = *levels.begin();
      f(type, -key, *level.groups.at(*level.ring.front()).jobs.begin());
    }
  }

  /// Whether the job (`priority`, `seq`) must start before (`other_priority`,
  /// `other_seq`) if both are of one group.
  static bool before(int32_t priority, uint64_t seq, int32_t other_priority, uint64_t other_seq) {
    return priority != other_priority ? priority > other_priority : seq < other_seq;
  }

  bool empty() const { return size_ == 0; }

  size_t size() const { return size_; }

  /// Ready jobs of one type.
  size_t size(const std::string& type) const {
    auto q = queues_.find(type);
    if (q == queues_.end())
      return 0;
    size_t n = 0;
    for (auto& [key, level] : q->second)
      for (auto& [group, g] : level.groups)
        n += g.jobs.size();
    return n;
  }

private:
  struct group_jobs {
    std::set<uint64_t> jobs;
    /// Its place in the ring of its priority level.
    std::list<const std::string*>::iterator place;
  };

  /// The groups with ready jobs of one type and priority.
  struct level {
    std::unordered_map<std::string, group_jobs> groups;
    /// Groups in turn; the front one gives the next job.
    std::list<const std::string*> ring;
    /// Jobs the front group may still give before its turn ends.
    uint32_t quantum = 1;
  };

  /// Levels by -priority: the first starts first.
  using levels = std::map<int32_t, level>;

  uint32_t weight_of(const std::string& group) const {
    auto w = weight_ ? weight_(group) : 1u;
    return w == 0 ? 1u : w;
  }

  void drop_group(level& l, std::unordered_map<std::string, group_jobs>::iterator g) {
    bool was_front = g->second.place == l.ring.begin();
    l.ring.erase(g->second.place);
    l.groups.erase(g);
    if (was_front && !l.ring.empty())
      l.quantum = weight_of(*l.ring.front());
  }

  void drop_if_empty(std::map<std::string, levels>::iterator q, levels::iterator l) {
    if (l->second.groups.empty())
      q->second.erase(l);
    if (q->second.empty())
      queues_.erase(q);
  }

  weight_fn weight_;
  std::map<std::string, levels> queues_;
  size_t size_ = 0;
};

} // namespace troupe::detail
