#include "supervisor/ready_queue.hpp"

#include <algorithm>

namespace troupe::detail {

uint32_t ready_queue::weight_of(const std::string& group) const {
  auto w = weight_ ? weight_(group) : 1u;
  return w == 0 ? 1u : w;
}

void ready_queue::join_ring(level& l, group_jobs& g) {
  l.ring.push_back(g);
  if (l.ring.size() == 1)
    l.quantum = weight_of(*g.name);
}

void ready_queue::leave_ring(level& l, group_jobs& g) {
  if (!g.in_ring.is_linked())
    return;
  bool was_front = &l.ring.front() == &g;
  l.ring.erase(l.ring.iterator_to(g));
  if (was_front && !l.ring.empty())
    l.quantum = weight_of(*l.ring.front().name);
}

bool ready_queue::push(const std::string& type, int32_t priority, const std::string& group,
                       uint64_t seq) {
  auto& l = queues_[type][-priority];
  auto g = l.groups.find(group);
  auto fresh = g == l.groups.end();
  // Only a group new to this level needs its entry in `levels_of_` (whose key
  // the level's entry views): a job of a group already here costs one lookup.
  if (fresh) {
    auto [places, first] = levels_of_.try_emplace(group);
    // A group that had nothing ready joins behind the groups waiting now, but
    // before the one whose turn just was.
    if (first) {
      places->second.last_turn = turns_ > 0 ? turns_ - 1 : 0;
      places->second.blocked = false;
    }
    auto& name = places->first;
    g = l.groups.try_emplace(name).first;
    g->second.name = &name;
    places->second.levels.push_back(&l);
    // A group that had nothing ready joins at the back of the ring.
    if (!places->second.blocked)
      join_ring(l, g->second);
  }
  g->second.jobs.insert(seq);
  ++sizes_[type];
  ++size_;
  return fresh;
}

bool ready_queue::erase(const std::string& type, int32_t priority, const std::string& group,
                        uint64_t seq) {
  auto q = queues_.find(type);
  if (q == queues_.end())
    return false;
  auto l = q->second.find(-priority);
  if (l == q->second.end())
    return false;
  auto g = l->second.groups.find(group);
  if (g == l->second.groups.end() || g->second.jobs.erase(seq) == 0)
    return false;
  if (--sizes_[type] == 0)
    sizes_.erase(type);
  --size_;
  if (g->second.jobs.empty())
    drop_group(l->second, g);
  drop_if_empty(q, l);
  return true;
}

uint64_t ready_queue::pop(const std::string& type) {
  auto q = queues_.find(type);
  auto l = std::find_if(q->second.begin(), q->second.end(),
                        [](auto& entry) { return !entry.second.ring.empty(); });
  auto& lv = l->second;
  auto& name = *lv.ring.front().name;
  auto g = lv.groups.find(name);
  auto& jobs = g->second.jobs;
  auto seq = *jobs.begin();
  jobs.erase(jobs.begin());
  levels_of_.at(name).last_turn = ++turns_;
  if (--sizes_[type] == 0)
    sizes_.erase(type);
  --size_;
  if (jobs.empty()) {
    drop_group(lv, g);
  } else if (--lv.quantum == 0) {
    lv.ring.splice(lv.ring.end(), lv.ring, lv.ring.begin());
    lv.quantum = weight_of(*lv.ring.front().name);
  }
  drop_if_empty(q, l);
  return seq;
}

void ready_queue::block(const std::string& group) {
  auto places = levels_of_.find(group);
  if (places == levels_of_.end() || places->second.blocked)
    return;
  places->second.blocked = true;
  ++blocked_count_;
  for (auto* l : places->second.levels)
    leave_ring(*l, l->groups.at(group));
}

void ready_queue::unblock(const std::string& group) {
  auto places = levels_of_.find(group);
  if (places == levels_of_.end() || !places->second.blocked)
    return;
  places->second.blocked = false;
  --blocked_count_;
  for (auto* l : places->second.levels)
    join_ring(*l, l->groups.at(group));
}

void ready_queue::unblock_all() {
  if (blocked_count_ == 0)
    return;
  for (auto& [group, places] : levels_of_)
    if (places.blocked)
      unblock(group);
}

void ready_queue::drop_group(level& l,
                             std::unordered_map<std::string_view, group_jobs>::iterator g) {
  leave_ring(l, g->second);
  auto levels = levels_of_.find(std::string{g->first});
  auto& list = levels->second.levels;
  list.erase(std::find(list.begin(), list.end(), &l));
  // The level's entry views the name: it goes first.
  l.groups.erase(g);
  if (list.empty()) {
    blocked_count_ -= levels->second.blocked ? 1 : 0;
    levels_of_.erase(levels);
  }
}

void ready_queue::drop_if_empty(std::map<std::string, levels>::iterator q, levels::iterator l) {
  if (l->second.groups.empty())
    q->second.erase(l);
  if (q->second.empty())
    queues_.erase(q);
}

} // namespace troupe::detail
