#include "supervisor/lease_table.hpp"

#include <algorithm>

namespace troupe::detail {

uint64_t lease_table::grant(size_t slot, uint64_t seq, int32_t priority, const std::string& group) {
  auto lease = ++next_;
  lease_entry entry;
  entry.seq = seq;
  entry.slot = slot;
  entry.priority = priority;
  entry.group = group;
  leases_.emplace(lease, entry);
  wait(entry);
  held_[slot].push_back(lease);
  return lease;
}

std::optional<lease_entry> lease_table::release(uint64_t lease) {
  auto i = leases_.find(lease);
  if (i == leases_.end())
    return std::nullopt;
  auto entry = i->second;
  leases_.erase(i);
  if (entry.withdrawing)
    --withdrawing_[entry.slot];
  if (waits(entry))
    stop_waiting(entry);
  auto& held = held_[entry.slot];
  // Leases mostly end in the order they were granted.
  if (!held.empty() && held.front() == lease)
    held.pop_front();
  else
    held.erase(std::find(held.begin(), held.end(), lease));
  return entry;
}

lease_entry* lease_table::start(uint64_t lease, std::chrono::steady_clock::time_point now) {
  auto* entry = find(lease);
  if (entry != nullptr && !entry->started) {
    if (waits(*entry))
      stop_waiting(*entry);
    entry->started = true;
    entry->started_at = now;
  }
  return entry;
}

template <class Pred>
std::vector<std::vector<uint64_t>> lease_table::withdraw_if(const slot_filter& from, Pred pred) {
  std::vector<std::vector<uint64_t>> taken(held_.size());
  for (size_t slot = 0; slot < held_.size(); ++slot) {
    if (from && !from(slot))
      continue;
    for (auto lease : held_[slot]) {
      auto& entry = leases_.at(lease);
      if (waits(entry) && pred(entry)) {
        withdraw(entry);
        taken[slot].push_back(lease);
      }
    }
  }
  return taken;
}

std::vector<std::vector<uint64_t>> lease_table::withdraw_after(int32_t priority, uint64_t seq,
                                                               const slot_filter& from,
                                                               const std::string& group) {
  return withdraw_if(from, [&](const lease_entry& e) {
    return e.priority < priority || (e.priority == priority && e.group == group && e.seq > seq);
  });
}

std::vector<std::vector<uint64_t>> lease_table::make_room_for_group(int32_t priority,
                                                                    const std::string& group,
                                                                    const slot_filter& from) {
  auto& same = waiting_[static_cast<size_t>(priority)];
  auto backlog =
    std::any_of(same.begin(), same.end(), [](auto& waiting) { return waiting.second.size() >= 2; });
  if (same.count(group) != 0 || !backlog)
    return {};
  for (size_t slot = 0; slot < held_.size(); ++slot) {
    if (from && !from(slot))
      continue;
    // The first lease is left alone: it runs now, or will any moment (its
    // start may not be reported yet).
    const std::string* only = nullptr;
    size_t count = 0;
    for (auto lease : held_[slot]) {
      auto& entry = leases_.at(lease);
      if (lease == held_[slot].front() || !waits(entry) || entry.priority != priority)
        continue;
      if (only != nullptr && *only != entry.group) {
        count = 0;
        break;
      }
      only = &entry.group;
      ++count;
    }
    if (count >= 2) {
      auto first = held_[slot].front();
      return withdraw_if(
        [slot](size_t s) { return s == slot; },
        [&](const lease_entry& e) { return e.priority == priority && &e != &leases_.at(first); });
    }
  }
  return {};
}

std::vector<std::vector<uint64_t>> lease_table::withdraw_unstarted(const slot_filter& from) {
  return withdraw_if(from, [](const lease_entry&) { return true; });
}

std::optional<std::pair<size_t, uint64_t>>
lease_table::withdraw_one_for(size_t idle_slot, std::chrono::steady_clock::duration stuck_for,
                              std::chrono::steady_clock::time_point now,
                              const job_filter& runnable) {
  lease_entry* best = nullptr;
  uint64_t best_lease = 0;
  for (size_t slot = 0; slot < held_.size(); ++slot) {
    if (slot == idle_slot || held_[slot].empty())
      continue;
    auto& head = leases_.at(held_[slot].front());
    if (!head.started || now - head.started_at < stuck_for)
      continue;
    for (auto lease : held_[slot]) {
      auto& entry = leases_.at(lease);
      if (!waits(entry) || (runnable && !runnable(entry.seq)))
        continue;
      // Only a job queued behind another one on its worker waits needlessly.
      if (held_[slot].front() == lease)
        continue;
      if (best == nullptr || entry.priority > best->priority
          || (entry.priority == best->priority && entry.seq < best->seq)) {
        best = &entry;
        best_lease = lease;
      }
    }
  }
  if (best == nullptr)
    return std::nullopt;
  withdraw(*best);
  return std::make_pair(best->slot, best_lease);
}

void lease_table::withdraw(lease_entry& entry) {
  stop_waiting(entry);
  entry.withdrawing = true;
  ++withdrawing_[entry.slot];
}

lease_entry* lease_table::find(uint64_t lease) {
  auto i = leases_.find(lease);
  return i == leases_.end() ? nullptr : &i->second;
}

bool lease_table::busy(size_t slot) const {
  for (auto lease : held_[slot])
    if (leases_.at(lease).started)
      return true;
  return false;
}

} // namespace troupe::detail
