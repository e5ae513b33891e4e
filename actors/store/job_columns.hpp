// The columns of a stored job, in the order both SQL stores declare, insert
// and read them (see `stored_job`).
#pragma once

namespace troupe::detail {

inline constexpr const char* job_columns =
  "seq, id, type, payload, priority, max_attempts, timeout_ms, idempotency_key, status, "
  "attempts, result, error, created_at_ms, started_at_ms, finished_at_ms, worker, "
  "cancel_requested, ready_at_ms, job_group";

} // namespace troupe::detail
