// A job as the engine holds it, and its rendering as the job object of the
// public protocol (the snapshot's fields: troupe/job.hpp).
#pragma once

#include "troupe/job.hpp"
#include "troupe/store.hpp"

#include <optional>
#include <string>

namespace troupe::detail {

/// What the engine holds of a job: the snapshot with payload and result as
/// JSON text.
using job_record = basic_job_snapshot<std::string>;

/// Renders a record as the job object of the protocol (and the HTTP API).
std::string to_json(const job_record& job);

/// Renders a record under another id than its own.
std::string to_json(const job_record& job, const std::string& id);

/// The record of a job as a store returned it.
job_record to_record(const stored_job& job);

} // namespace troupe::detail
