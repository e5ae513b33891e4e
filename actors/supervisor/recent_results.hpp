// The most recently finished jobs, kept in memory for a while.
//
// A client usually asks about a job right after it finished (a long-poll
// that raced the end, a watch sent after the acknowledgement). Answering
// those from the store would make the journal commit early for every such
// read and break its group commit. This cache keeps the last finished jobs'
// records, bounded by count, so that memory stays flat however many results
// are retained: older results are answered from the store.
#pragma once

#include "job_record.hpp"

#include <deque>
#include <unordered_map>

namespace troupe::detail {

class recent_results {
public:
  explicit recent_results(size_t capacity) : capacity_(capacity) {}

  /// Keeps the final record of job `seq` (its id set), evicting the oldest.
  void add(uint64_t seq, job_record record) {
    if (capacity_ == 0)
      return;
    if (order_.size() == capacity_) {
      records_.erase(order_.front());
      order_.pop_front();
    }
    order_.push_back(seq);
    records_[seq] = std::move(record);
  }

  /// The record of job `seq` with id `id`, if kept.
  const job_record* find(uint64_t seq, const std::string& id) const {
    auto i = records_.find(seq);
    return i != records_.end() && i->second.id == id ? &i->second : nullptr;
  }

  /// Forgets job `seq` (its result expired).
  void erase(uint64_t seq) { records_.erase(seq); }

private:
  size_t capacity_;
  /// Sequences in the order they were added; may name erased ones.
  std::deque<uint64_t> order_;
  std::unordered_map<uint64_t, job_record> records_;
};

} // namespace troupe::detail
