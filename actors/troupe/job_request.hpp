// What a submission may say, checked once for everyone who submits: the
// engine (from any actor), the HTTP API and the CLI read the same rules.
//
// Job options are bounded so that every value means something: a delay or a
// timeout of 2^63 ms cannot be added to a clock without overflowing, so it
// is refused rather than turned into "now". JSON is read strictly: one
// document and nothing after it (not even a NUL), no duplicate key (which a
// lenient reader resolves silently, and differently from a proxy in front),
// no number that a double cannot keep (2^64+1, a 30-digit decimal and 1e-400
// would come back changed). A payload is stored and returned as sent, byte
// for byte.
#pragma once

#include "troupe/job.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace troupe {

/// The bounds of an integer job option.
struct int_option_rule {
  /// Its name in the API (`max_attempts`); the CLI writes dashes.
  const char* name;
  int64_t low;
  int64_t high;
};

/// The longest delay or timeout: 100 years, far from any clock's overflow.
constexpr int64_t max_duration_ms = int64_t{100} * 365 * 24 * 3600 * 1000;

/// The job options' rules, in the order of `job_options`.
constexpr int_option_rule priority_rule{"priority", 0, 9};
constexpr int_option_rule max_attempts_rule{"max_attempts", 1, 100};
constexpr int_option_rule timeout_ms_rule{"timeout_ms", 1, max_duration_ms};
constexpr int_option_rule delay_ms_rule{"delay_ms", 0, max_duration_ms};
constexpr int_option_rule int_option_rules[] = {priority_rule, max_attempts_rule, timeout_ms_rule,
                                                delay_ms_rule};

/// Longest idempotency key, in bytes.
constexpr size_t max_idempotency_key_bytes = 200;

/// A group name is 1 to this many printable ASCII characters.
constexpr size_t max_group_bytes = 128;

/// Deepest nesting of arrays and objects a JSON text may have by default.
constexpr size_t default_max_json_depth = 64;

/// Why a submission is refused.
struct request_problem {
  enum class kind {
    /// The text is not one strict JSON document (or not an object).
    invalid_json,
    /// A field breaks its rule; `field` names it.
    invalid_field,
  };
  kind what = kind::invalid_field;
  std::string field;
  std::string message;
};

/// The rule text of an integer option, e.g. "must be an integer from 0 to 9".
std::string describe_rule(const int_option_rule& rule);

/// What is wrong with `group` as a group name ("must be 1 to 128 printable
/// ASCII characters"), if anything.
std::optional<std::string> group_name_problem(const std::string& group);

/// Checks options against their rules; returns the first problem.
std::optional<request_problem> check_options(const job_options& options);

/// Checks that `text` is one JSON document, read strictly (see above), at
/// most `max_depth` deep; returns what is wrong with it.
std::optional<std::string> json_text_problem(std::string_view text,
                                             size_t max_depth = default_max_json_depth);

/// Reads the JSON body of a submission (`{"type", "payload", "priority",
/// ...}`), strictly, with the options checked; the payload keeps the bytes
/// it was sent with.
std::variant<job_request, request_problem>
parse_job_request(std::string_view body, size_t max_depth = default_max_json_depth);

} // namespace troupe
