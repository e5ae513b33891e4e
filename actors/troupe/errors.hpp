// Typed errors of the troupe engine.
//
// Every refusal the engine gives (a full queue, an unknown job type, a bad
// option) travels as a `caf::error` in the `troupe` category, so an actor that
// talks the protocol and C++ code that uses the facade see the same codes. The
// error's context carries one human-readable string that explains the case.
#pragma once

#include <caf/error.hpp>

#include <string>

namespace troupe {

/// Error codes of the `troupe` error category.
enum class errc : uint8_t {
  /// The submitted job type has no registered handler.
  unknown_type = 1,
  /// A submitted field is out of range or malformed; the message names it.
  invalid_argument,
  /// The queue is at capacity; the submission was refused, nothing was dropped.
  queue_full,
  /// The engine is shutting down and accepts no new jobs.
  shutting_down,
  /// No job with that id exists (never did, or its result has expired).
  not_found,
  /// The job already reached a terminal state, so it cannot be cancelled.
  already_terminal,
  /// A worker actor terminated abnormally (a simulated or real fault).
  worker_fault,
  /// The job store cannot be opened or written; a submission refused with
  /// this code was not accepted.
  store_unavailable,
  /// A worker node's join was refused; the message says why.
  join_refused,
  /// Only a failed or cancelled job can be retried; the message says what
  /// the job is.
  not_retryable,
  /// This server is a standby: another server on the same database is the
  /// active one and takes the requests.
  standby,
};

/// The atom that names troupe's error category.
constexpr caf::atom_value error_category = caf::atom("troupe");

/// Builds an error of the troupe category with an explanatory message.
caf::error make_error(errc code, std::string message);

/// Returns the short, stable name of a code, e.g. `queue_full`.
const char* to_string(errc code);

/// Returns whether `err` is a troupe error with the given code.
bool is_troupe_error(const caf::error& err, errc code);

/// The message an error carries (empty if none).
std::string message_of(const caf::error& err);

/// Renders any error as `name: message` for logs and exception texts.
std::string describe(const caf::error& err);

} // namespace troupe
