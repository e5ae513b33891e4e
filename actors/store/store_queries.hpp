// Answers about finished jobs, read from the store. The journal gives them
// for a durable store (after committing what it holds, so that an answer is
// never older than the writes before it); the supervisor gives them itself
// for the memory store.
#pragma once

#include "troupe/store.hpp"

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include <string>
#include <vector>

namespace troupe::detail {

/// The snapshot of a job the store holds, or `not_found`.
caf::expected<std::string> stored_snapshot(store& jobs, const std::string& id);

/// Why a job the engine no longer holds cannot be cancelled: `already_terminal`
/// if the store has it, else `not_found`.
caf::error stored_cancel_refusal(store& jobs, const std::string& id);

/// Why a job in `status` cannot be retried (`not_retryable`).
caf::error retry_refusal(job_status status);

/// Puts a failed or cancelled job back to pending, ready at `now_ms`, with its
/// attempts reset and its outcome cleared, and returns its row as stored now.
/// Refuses with `not_found`, or `not_retryable` for a job in another state.
caf::expected<stored_job> stored_requeue(store& jobs, const std::string& id, int64_t now_ms);

/// Terminal jobs for a listing (see `store::list_finished`): their ids and,
/// in the same order, their snapshots.
struct finished_listing {
  std::vector<std::string> ids;
  std::vector<std::string> jobs;
};

/// Lists terminal jobs, newest first.
caf::expected<finished_listing> stored_list(store& jobs, const job_filter& filter,
                                            uint64_t before_seq);

} // namespace troupe::detail
