// The full state of one job, as its job actor holds it, and its rendering as
// the JSON snapshot of the public protocol.
#pragma once

#include "troupe/job.hpp"
#include "troupe/store.hpp"

#include <optional>
#include <string>

namespace troupe::detail {

struct job_record {
  std::string id;
  std::string type;
  /// JSON text, validated at submission.
  std::string payload = "null";
  job_status status = job_status::pending;
  int32_t priority = 5;
  int32_t attempts = 0;
  int32_t max_attempts = 3;
  /// JSON text; empty means null.
  std::string result;
  std::optional<std::string> error;
  std::optional<double> progress;
  std::optional<std::string> progress_message;
  int64_t created_at_ms = 0;
  std::optional<int64_t> started_at_ms;
  std::optional<int64_t> finished_at_ms;
  std::optional<std::string> worker;
  bool cancel_requested = false;
};

/// Renders a record as the job object of the protocol (and the HTTP API).
std::string to_json(const job_record& job);

/// Renders a record under another id than its own.
std::string to_json(const job_record& job, const std::string& id);

/// The record of a job as a store returned it.
job_record to_record(const stored_job& job);

} // namespace troupe::detail
