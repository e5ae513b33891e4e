// Which worker holds which job: the supervisor's leases.
//
// Every hand-over of a job to a worker is a lease with a number unique within
// the supervisor's life. Workers run their leases in the order they got them,
// so a worker's list here is its queue: the first started one runs, the rest
// wait. A lease the supervisor wants back (a higher-priority job became ready,
// a job was cancelled, the engine drains) is marked `withdrawing` until the
// worker answers which of them it gave back unstarted.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace troupe::detail {

struct lease_entry {
  /// The job (its submission sequence).
  uint64_t seq = 0;
  /// The worker slot that holds it.
  size_t slot = 0;
  int32_t priority = 0;
  /// The job's group ("" for none).
  std::string group;
  /// The job's attempt started: the worker reported it, or was let go.
  bool started = false;
  /// The worker itself said that it started (a gated lease is started when
  /// it is let go, and announced when the worker begins it).
  bool announced = false;
  /// Asked back from the worker; not counted towards its room.
  bool withdrawing = false;
  /// When the supervisor learned that it started.
  std::chrono::steady_clock::time_point started_at;
};

class lease_table {
public:
  // -- constructors --

  explicit lease_table(size_t slots = 0) : held_(slots), withdrawing_(slots, 0) {}

  // -- changes --

  /// Adds a worker slot (a node's worker that joined); returns its index.
  size_t add_slot() {
    held_.emplace_back();
    withdrawing_.push_back(0);
    return held_.size() - 1;
  }

  /// Hands job `seq` of `group` to `slot`; returns the new lease.
  uint64_t grant(size_t slot, uint64_t seq, int32_t priority, const std::string& group = {});

  /// Removes a lease; returns what it was, or nothing if it is unknown.
  std::optional<lease_entry> release(uint64_t lease);

  /// Marks a lease started at `now`; returns its entry, or null if unknown.
  lease_entry* start(uint64_t lease,
                     std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now());

  /// Which slots may give up leases (all, unless a job may run only on some).
  using slot_filter = std::function<bool(size_t slot)>;

  /// Which of the jobs (by sequence) held elsewhere a worker could run.
  using job_filter = std::function<bool(uint64_t seq)>;

  /// Marks unstarted leases `withdrawing` and returns them per slot: those
  /// that must start after the job (`priority`, `seq`) of `group` (a lower
  /// priority, or the same group and priority and submitted later) on the
  /// slots `from` accepts.
  std::vector<std::vector<uint64_t>> withdraw_after(int32_t priority, uint64_t seq,
                                                    const slot_filter& from = nullptr,
                                                    const std::string& group = {});

  /// Makes room for a group that arrives behind another group's prefetched
  /// backlog: if `group` has no unstarted lease of `priority`, marks
  /// `withdrawing` and returns (per slot) the unstarted leases of `priority`
  /// behind the first lease of one slot `from` accepts whose such leases are
  /// two or more, all of one other group. The next job handed to that worker is then the group
  /// whose turn it is, not the last in a queue of another group's jobs. Slots
  /// whose queues mix groups are left alone (their groups already alternate),
  /// so many small groups cause no withdrawals.
  std::vector<std::vector<uint64_t>> make_room_for_group(int32_t priority, const std::string& group,
                                                         const slot_filter& from = nullptr);

  /// Marks the unstarted lease that should run next on another worker
  /// `withdrawing` (highest priority, then oldest) and returns it with its
  /// slot, if a worker but `idle_slot` holds one behind a job that has run
  /// for `stuck_for` at `now` (a worker whose jobs are quick is not robbed:
  /// a withdrawal costs more than the wait). Only jobs `runnable` accepts
  /// are taken.
  std::optional<std::pair<size_t, uint64_t>>
  withdraw_one_for(size_t idle_slot, std::chrono::steady_clock::duration stuck_for,
                   std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now(),
                   const job_filter& runnable = nullptr);

  /// Marks every unstarted lease on the slots `from` accepts `withdrawing`;
  /// returns them per slot.
  std::vector<std::vector<uint64_t>> withdraw_unstarted(const slot_filter& from = nullptr);

  // -- queries --

  lease_entry* find(uint64_t lease);

  /// The leases of a slot, oldest first.
  const std::deque<uint64_t>& of(size_t slot) const { return held_[slot]; }

  /// Leases of a slot that count towards its room.
  size_t load(size_t slot) const { return held_[slot].size() - withdrawing_[slot]; }

  /// Whether the slot runs a job now.
  bool busy(size_t slot) const;

  /// Whether some worker holds an unstarted lease, not being withdrawn yet,
  /// that must start after the job (`priority`, `seq`) of `group`: of a lower
  /// priority, or of the same group and priority and submitted later (a job
  /// handed out again after a withdrawal must not lose its place to a younger
  /// one of its group; other groups' jobs of its priority take turns).
  bool holds_unstarted_after(int32_t priority, uint64_t seq, const std::string& group = {}) const {
    for (int32_t p = 0; p < priority && p < max_priority + 1; ++p)
      if (!waiting_[static_cast<size_t>(p)].empty())
        return true;
    auto& same = waiting_[static_cast<size_t>(priority)];
    auto g = same.find(group);
    return g != same.end() && *g->second.rbegin() > seq;
  }

  /// Priorities range from 0 to this.
  static constexpr int32_t max_priority = 9;

  /// Leases asked back whose worker has not answered yet.
  size_t withdrawing() const {
    size_t n = 0;
    for (auto w : withdrawing_)
      n += w;
    return n;
  }

private:
  template <class Pred>
  std::vector<std::vector<uint64_t>> withdraw_if(const slot_filter& from, Pred pred);

  /// Marks an entry `withdrawing`.
  void withdraw(lease_entry& entry);

  /// Whether an entry counts in `waiting_`.
  static bool waits(const lease_entry& e) { return !e.started && !e.withdrawing; }

  uint64_t next_ = 0;
  std::unordered_map<uint64_t, lease_entry> leases_;
  std::vector<std::deque<uint64_t>> held_;
  /// Per slot, how many of its leases are `withdrawing`.
  std::vector<size_t> withdrawing_;
  /// The jobs (by sequence) of unstarted leases not being withdrawn, per
  /// priority and group (a group without such jobs has no entry).
  std::array<std::map<std::string, std::multiset<uint64_t>>, max_priority + 1> waiting_{};

  /// Adds or removes an entry's job from `waiting_`.
  void wait(const lease_entry& e) {
    waiting_[static_cast<size_t>(e.priority)][e.group].insert(e.seq);
  }
  void stop_waiting(const lease_entry& e) {
    auto& groups = waiting_[static_cast<size_t>(e.priority)];
    auto g = groups.find(e.group);
    g->second.erase(g->second.find(e.seq));
    if (g->second.empty())
      groups.erase(g);
  }
};

} // namespace troupe::detail
