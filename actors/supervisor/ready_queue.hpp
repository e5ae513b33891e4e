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
// row, then goes to the back. A group at its limit is blocked: it leaves the
// rings (its jobs keep their places) until unblocked, so throttled groups
// cost nothing per dispatch. Every operation is O(log n) in the jobs of one
// group, whatever the number of groups. Jobs without a group are the group
// "" of their own. It keeps job sequences and nothing else; what a job is
// lives in the job table.
#pragma once

#include <boost/container/small_vector.hpp>
#include <boost/intrusive/list.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace troupe::detail {

class ready_queue {
public:
  /// The share of a group under contention (1 unless set).
  using weight_fn = std::function<uint32_t(const std::string& group)>;

  explicit ready_queue(weight_fn weight = nullptr) : weight_(std::move(weight)) {}

  /// Adds job `seq` of `type` and `group` with `priority` (0 to 9); returns
  /// whether the group had no ready job of that type and priority before.
  bool push(const std::string& type, int32_t priority, const std::string& group, uint64_t seq);

  /// Removes job `seq` if it is queued; returns whether it was.
  bool erase(const std::string& type, int32_t priority, const std::string& group, uint64_t seq);

  /// Removes and returns the job of `type` that must start next; the type
  /// must have one (see `for_each_type`).
  uint64_t pop(const std::string& type);

  /// Calls `f(type, priority, seq, turn)` for each type with a job that may
  /// start, naming the one that must start next (jobs of blocked groups
  /// wait) and when its group last gave a job (see `before`).
  template <class F> void for_each_type(F f) const {
    for (auto& [type, levels] : queues_)
      for (auto& [key, level] : levels)
        if (!level.ring.empty()) {
          auto& front = level.ring.front();
          f(type, -key, *front.jobs.begin(), last_turn(*front.name));
          break;
        }
  }

  /// Whether the next job of one type (`priority`, `turn`, `seq`) must start
  /// before that of another: priority first; then the group whose last turn
  /// is older, so that the share between groups holds across types too; then
  /// submission order.
  static bool before(int32_t priority, uint64_t turn, uint64_t seq, int32_t other_priority,
                     uint64_t other_turn, uint64_t other_seq) {
    if (priority != other_priority)
      return priority > other_priority;
    return turn != other_turn ? turn < other_turn : seq < other_seq;
  }

  /// Holds back the ready jobs of `group` (it is at its limit) until
  /// unblocked or until it has none (jobs that come later are offered again,
  /// so that dispatch checks its limit again).
  void block(const std::string& group);

  /// Lets the jobs of `group` go again, at the back of their turns.
  void unblock(const std::string& group);

  bool blocked(const std::string& group) const {
    auto places = levels_of_.find(group);
    return places != levels_of_.end() && places->second.blocked;
  }

  /// How many groups are blocked.
  size_t blocked_groups() const { return blocked_count_; }

  /// Lets every blocked group go again (their limits changed).
  void unblock_all();

  /// Ready jobs of one group, blocked or not.
  size_t size_of_group(const std::string& group) const {
    size_t n = 0;
    if (auto levels = levels_of_.find(group); levels != levels_of_.end())
      for (auto* l : levels->second.levels)
        n += l->groups.at(group).jobs.size();
    return n;
  }

  /// When `group` last gave a job, or joined if it has not since it had
  /// nothing ready (0 for a group with nothing ready).
  uint64_t last_turn(const std::string& group) const {
    auto places = levels_of_.find(group);
    return places == levels_of_.end() ? 0 : places->second.last_turn;
  }

  bool empty() const { return size_ == 0; }

  size_t size() const { return size_; }

  /// Ready jobs of one type, blocked or not.
  size_t size(const std::string& type) const {
    auto n = sizes_.find(type);
    return n == sizes_.end() ? 0 : n->second;
  }

private:
  struct group_jobs {
    std::set<uint64_t> jobs;
    /// Its place in the ring of its level, unless blocked (intrusive: a
    /// group's place costs no allocation).
    boost::intrusive::list_member_hook<> in_ring;
    /// The group's name, a key of `levels_of_`.
    const std::string* name = nullptr;
  };

  using ring_type = boost::intrusive::list<
    group_jobs, boost::intrusive::member_hook<group_jobs, boost::intrusive::list_member_hook<>,
                                              &group_jobs::in_ring>>;

  /// The groups with ready jobs of one type and priority.
  struct level {
    /// Keyed by views of the names `levels_of_` holds, so that a group's name
    /// is stored once, whatever the levels it has jobs in.
    std::unordered_map<std::string_view, group_jobs> groups;
    /// Groups not blocked, in turn; the front one gives the next job.
    /// Declared after `groups`, so that it is emptied before they go.
    ring_type ring;
    /// Jobs the front group may still give before its turn ends.
    uint32_t quantum = 1;
  };

  /// Levels by -priority: the first starts first.
  using levels = std::map<int32_t, level>;

  uint32_t weight_of(const std::string& group) const;
  void join_ring(level& l, group_jobs& g);
  void leave_ring(level& l, group_jobs& g);
  void drop_group(level& l, std::unordered_map<std::string_view, group_jobs>::iterator g);
  void drop_if_empty(std::map<std::string, levels>::iterator q, levels::iterator l);

  weight_fn weight_;
  std::map<std::string, levels> queues_;
  /// The levels each group has ready jobs in, to block and unblock it.
  struct group_places {
    /// Mostly one: no allocation for it.
    boost::container::small_vector<level*, 1> levels;
    /// The turn (a count of pops) in which the group last gave a job or,
    /// until it gives one, the turn before it joined. Packed with `blocked`:
    /// with 100,000 groups waiting, each byte here is 100 kB.
    uint64_t last_turn : 63;
    uint64_t blocked : 1;
  };
  std::unordered_map<std::string, group_places> levels_of_;
  uint64_t turns_ = 0;
  size_t blocked_count_ = 0;
  std::unordered_map<std::string, size_t> sizes_;
  size_t size_ = 0;
};

} // namespace troupe::detail
