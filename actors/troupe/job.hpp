// The job as clients see it: its options at submission, its lifecycle states
// and the snapshot that status queries return.
//
// On the wire a snapshot is a JSON object (the same one the HTTP API serves),
// so messages stay plain strings that can cross CAF nodes; `job_info` is the
// typed view of that object for C++ code.
#pragma once

#include <caf/error.hpp>
#include <caf/meta/type_name.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace troupe {

/// The lifecycle of a job. `pending` and `running` may alternate while retries
/// remain; the other three are terminal.
enum class job_status : uint8_t { pending, running, success, failed, cancelled };

/// Number of `job_status` values, for tables indexed by status.
constexpr size_t job_status_count = 5;

/// Returns `pending`, `running`, ... for a status.
const char* to_string(job_status status);

/// Parses a status name; returns nothing for an unknown name.
std::optional<job_status> parse_job_status(const std::string& name);

/// Returns whether a job in this status will never change again.
constexpr bool is_terminal(job_status status) {
  return status == job_status::success || status == job_status::failed
         || status == job_status::cancelled;
}

/// How a job is to be run; chosen by the submitter.
struct job_options {
  /// 0 (lowest) to 9 (highest); higher priorities run first.
  int32_t priority = 5;
  /// Attempts before the job ends `failed`, 1 to 100.
  int32_t max_attempts = 3;
  /// Time limit of one attempt in milliseconds, at least 1.
  int64_t timeout_ms = 30000;
  /// Earliest start, in milliseconds after submission, at least 0.
  int64_t delay_ms = 0;
  /// A second submission with the same key returns the first job (≤ 200 chars).
  std::string idempotency_key;
  /// The group whose limits and share the job counts against (a customer, an
  /// API key, a downstream service): 1 to 128 printable ASCII characters, or
  /// empty for none (jobs without a group are one group of their own).
  std::string group;
};

/// Serializes job options, so that a submission can cross CAF nodes.
template <class Inspector> typename Inspector::result_type inspect(Inspector& f, job_options& x) {
  return f(caf::meta::type_name("troupe.job_options"), x.priority, x.max_attempts, x.timeout_ms,
           x.delay_ms, x.idempotency_key, x.group);
}

/// One job of a `submit_many`.
struct job_request {
  std::string type;
  /// JSON text; empty means null.
  std::string payload;
  job_options options;
};

/// Serializes a job request, so that a batch can cross CAF nodes.
template <class Inspector> typename Inspector::result_type inspect(Inspector& f, job_request& x) {
  return f(caf::meta::type_name("troupe.job_request"), x.type, x.payload, x.options);
}

/// Which jobs a listing returns, newest first (an empty field matches all).
struct job_filter {
  /// A status name (`pending` ... `cancelled`).
  std::string status;
  std::string type;
  std::string group;
  /// At most this many.
  int64_t limit = 100;
  /// Only jobs submitted before this one (a job id), to page on.
  std::string before;

  /// Whether a job in `state`, of `of_type` and `of_group`, passes the
  /// status, type and group fields (`limit` and `before` are the lister's).
  bool matches(job_status state, const std::string& of_type, const std::string& of_group) const {
    return (status.empty() || status == to_string(state)) && (type.empty() || type == of_type)
           && (group.empty() || group == of_group);
  }
};

/// Serializes a filter, so that a listing can be asked for across CAF nodes.
template <class Inspector> typename Inspector::result_type inspect(Inspector& f, job_filter& x) {
  return f(caf::meta::type_name("troupe.job_filter"), x.status, x.type, x.group, x.limit, x.before);
}

/// The answer for one job of a `submit_many`: its id and whether it was
/// created (false: an idempotency key matched), or why it was refused.
struct submit_outcome {
  std::string id;
  bool created = false;
  caf::error error;
  /// The job's snapshot when the answer was sent (as `status_atom` answers),
  /// so that a submitter can show it without asking again. Empty if the
  /// job was refused, or if a matched key names a job only the store holds.
  std::string job;
};

/// Serializes a submission outcome.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, submit_outcome& x) {
  return f(caf::meta::type_name("troupe.submit_outcome"), x.id, x.created, x.error, x.job);
}

/// A snapshot of one job, as status queries answer it: the one declaration
/// of the job object of the protocol and the HTTP API. The engine keeps
/// payload and result as compact JSON text (`Json` = `std::string`, empty
/// meaning null) and splices them into its answers unparsed; C++ callers read
/// them parsed, as `job_info`.
template <class Json> struct basic_job_snapshot {
  std::string id;
  std::string type;
  job_status status = job_status::pending;
  int32_t priority = 5;
  int32_t attempts = 0;
  int32_t max_attempts = 3;
  Json payload;
  /// The handler's result; null until the job succeeded.
  Json result;
  /// The last error, if any attempt failed.
  std::optional<std::string> error;
  /// Fraction done (0 to 1) as last reported by the handler.
  std::optional<double> progress;
  std::optional<std::string> progress_message;
  /// Milliseconds since the Unix epoch.
  int64_t created_at_ms = 0;
  std::optional<int64_t> started_at_ms;
  std::optional<int64_t> finished_at_ms;
  /// Name of the worker that ran (or runs) the latest attempt.
  std::optional<std::string> worker;
  /// The job's group, if it has one.
  std::optional<std::string> group;
  /// A cancel arrived while the job ran; it ends `cancelled` unless it
  /// finishes first.
  bool cancel_requested = false;
};

/// A snapshot with payload and result parsed.
struct job_info : basic_job_snapshot<nlohmann::json> {
  /// Reads a snapshot from the JSON object the engine answers with.
  static job_info from_json(const std::string& text);
};

/// Reads a job object (nlohmann's `get<job_info>()`).
void from_json(const nlohmann::json& j, job_info& info);

/// Formats milliseconds since the epoch as RFC 3339 UTC, e.g.
/// `2026-11-22T21:35:22.123Z`.
std::string format_rfc3339(int64_t epoch_ms);

/// Parses the output of `format_rfc3339`.
int64_t parse_rfc3339(const std::string& text);

} // namespace troupe
