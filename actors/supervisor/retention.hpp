// Finished jobs, from their end until their result expires.
//
// A finished job leaves the job table at once; what stays is 24 bytes per job
// to count it and expire it (one TTL for all keeps them sorted by expiry), and
// the last few finished records in full to answer the usual question right
// after the end without a trip to the store (`recent_results`).
#pragma once

#include "supervisor/recent_results.hpp"
#include "troupe/clock.hpp"
#include "troupe/job.hpp"

#include <deque>
#include <optional>
#include <vector>

namespace troupe::detail {

/// A finished job, until its result expires.
struct retained_job {
  clock::time_point expires;
  uint64_t seq;
  job_status status;
};

class retention {
public:
  explicit retention(size_t recent_capacity = 0) : recent_(recent_capacity) {}

  /// Job `seq` finished in `status` with `record` (kept in full for a while,
  /// if given); its result expires at `expires`.
  void retain(uint64_t seq, job_status status, clock::time_point expires,
              std::optional<job_record> record = std::nullopt);

  /// Recovery adds results in submission order: sorts them by expiry.
  void sort_by_expiry();

  /// The earliest expiry, if any result is retained.
  std::optional<clock::time_point> next_expiry() const;

  /// Removes and returns the results expired at `now`.
  std::vector<retained_job> expire(clock::time_point now);

  /// Job `seq` runs again: it is no longer finished. Returns the status it
  /// was retained with, if it was.
  std::optional<job_status> take_back(uint64_t seq);

  /// The full record of job `seq` with id `id`, if recent enough.
  const job_record* recent(uint64_t seq, const std::string& id) const {
    return recent_.find(seq, id);
  }

  size_t size() const { return retained_.size(); }

private:
  std::deque<retained_job> retained_;
  recent_results recent_;
};

} // namespace troupe::detail
