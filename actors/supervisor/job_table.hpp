// The jobs the supervisor holds in memory: those not finished yet.
//
// A finished job leaves this table at once: its final state is in the store,
// which answers for it until its TTL, so memory does not grow with the number
// of results kept. What stays per job is its record (what a status query
// shows), its options and its place in the queue and lease tables, keyed by
// submission sequence; the id's random tag guards lookups by id.
#pragma once

#include "job_id.hpp"
#include "job_record.hpp"
#include "troupe/clock.hpp"

#include <caf/actor.hpp>

#include <algorithm>
#include <optional>
#include <unordered_map>

namespace troupe::detail {

struct job_entry {
  /// What a snapshot shows; `record.id` stays empty (rendered from the key).
  job_record record;
  uint64_t tag = 0;
  job_options options;
  /// The current lease (0: none). Reports for any other lease are stale.
  uint64_t lease = 0;
  /// Waiting for a timer (delay or retry backoff) before it may be queued.
  bool waiting = false;
  bool queued = false;
  /// The store holds the job (its insert committed); a submission is
  /// acknowledged only then.
  bool stored = false;
  /// When the latest attempt started, for the duration histogram.
  std::optional<clock::time_point> started_at;
  /// The job actor, while someone waits on or watches the job.
  caf::actor observer;

  job_status status() const { return record.status; }
};

class job_table {
public:
  /// The key of a new job: the next sequence, with a fresh random tag.
  job_key next_key() { return {next_seq_++, tags_.next()}; }

  /// Job `seq` exists (in the store): new jobs are numbered after it.
  void numbered(uint64_t seq) { next_seq_ = std::max(next_seq_, seq + 1); }

  using map_type = std::unordered_map<uint64_t, job_entry>;

  /// Finds a job by sequence.
  job_entry* find(uint64_t seq) {
    auto i = jobs_.find(seq);
    return i == jobs_.end() ? nullptr : &i->second;
  }

  /// Finds a job by id; null unless both sequence and tag match.
  job_entry* find(const job_key& key) {
    auto* job = find(key.seq);
    return job != nullptr && job->tag == key.tag ? job : nullptr;
  }

  job_entry& insert(uint64_t seq, job_entry job) {
    return jobs_.emplace(seq, std::move(job)).first->second;
  }

  void erase(uint64_t seq) { jobs_.erase(seq); }

  map_type::iterator begin() { return jobs_.begin(); }
  map_type::iterator end() { return jobs_.end(); }

  size_t size() const { return jobs_.size(); }

private:
  map_type jobs_;
  uint64_t next_seq_ = 0;
  tag_source tags_;
};

/// Renders the snapshot of a job held in the table.
inline std::string snapshot(uint64_t seq, const job_entry& job) {
  return to_json(job.record, format_job_id({seq, job.tag}));
}

} // namespace troupe::detail
