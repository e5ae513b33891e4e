// Which job an idempotency key names, while that job is held or retained.
//
// A key is remembered when its job is accepted (or recovered) and forgotten
// when the job's result expires, or when its insert could not be stored (the
// job was never accepted). A later job may reuse the key of one that expired;
// forgetting only ever removes the key from the job that holds it.
#pragma once

#include "job_id.hpp"

#include <string>
#include <unordered_map>

namespace troupe::detail {

class idempotency_index {
public:
  /// The job `key` names, if any.
  const job_key* find(const std::string& key) const {
    auto i = jobs_.find(key);
    return i == jobs_.end() ? nullptr : &i->second;
  }

  /// `job` holds `key` (an empty key is no key).
  void remember(const std::string& key, const job_key& job) {
    if (!key.empty())
      jobs_.emplace(key, job);
  }

  /// Job `seq` no longer holds `key`.
  void forget(const std::string& key, uint64_t seq) {
    auto i = jobs_.find(key);
    if (i != jobs_.end() && i->second.seq == seq)
      jobs_.erase(i);
  }

  /// Job `seq` finished holding `key`: its key goes when its result expires.
  void retain(uint64_t seq, const std::string& key) {
    if (!key.empty())
      retained_.emplace(seq, key);
  }

  /// The result of job `seq` expired: its key is free again.
  void expire(uint64_t seq) {
    auto i = retained_.find(seq);
    if (i == retained_.end())
      return;
    forget(i->second, seq);
    retained_.erase(i);
  }

  /// Job `seq` runs again (retried after its end): it keeps its key until
  /// it finishes again.
  void unretain(uint64_t seq) { retained_.erase(seq); }

  size_t size() const { return jobs_.size(); }

private:
  std::unordered_map<std::string, job_key> jobs_;
  /// The keys of finished jobs, by sequence, to forget them on expiry.
  std::unordered_map<uint64_t, std::string> retained_;
};

} // namespace troupe::detail
