// What a job type is: a name and a C++ function that does the work.
//
// Handlers run on a worker's own thread and may block. They see the job through
// a `job_context`: its payload, which attempt this is, a cancellation flag that
// the engine raises on cancel, timeout or shutdown, and a way to report
// progress. A handler succeeds by returning a JSON result and fails by
// throwing; the engine does the rest (retries, fencing, bookkeeping).
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace troupe {

/// A flag shared by the engine and one attempt. Once raised it stays raised.
class cancellation_token {
public:
  /// Asks the attempt to stop.
  void cancel() noexcept { cancelled_.store(true, std::memory_order_release); }

  /// Returns whether the attempt should stop.
  bool cancelled() const noexcept { return cancelled_.load(std::memory_order_acquire); }

private:
  std::atomic<bool> cancelled_{false};
};

/// Thrown by a handler to fail the job at once, without further attempts
/// (for input that no retry can fix, such as a malformed payload).
class permanent_failure : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// Thrown by a handler to make its worker actor terminate abnormally, exactly
/// as a faulty worker would. The supervisor restarts the worker and counts the
/// attempt as failed. The built-in `crash` job type uses it.
class worker_fault : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// Thrown by `job_context::throw_if_cancelled`.
class cancelled_error : public std::runtime_error {
public:
  cancelled_error() : std::runtime_error("cancelled") {}
};

/// The job as one attempt of a handler sees it.
class job_context {
public:
  /// Reports progress: `fraction` in [0, 1] and an optional message.
  using progress_sink = std::function<void(double fraction, const std::string& message)>;

  // -- constructors --

  job_context(std::string id, int32_t attempt, nlohmann::json payload,
              std::shared_ptr<const cancellation_token> token, progress_sink progress);

  // -- properties --

  /// The job's id.
  const std::string& id() const noexcept { return id_; }

  /// The number of this attempt, starting at 1.
  int32_t attempt() const noexcept { return attempt_; }

  /// The payload the job was submitted with (null if none).
  const nlohmann::json& payload() const noexcept { return payload_; }

  /// Whether the engine asks this attempt to stop (cancel, timeout, shutdown).
  bool cancelled() const noexcept { return token_->cancelled(); }

  // -- actions --

  /// Throws `cancelled_error` if the attempt should stop.
  void throw_if_cancelled() const;

  /// Reports progress; a fraction outside [0, 1] is clamped.
  void progress(double fraction, const std::string& message = {});

private:
  std::string id_;
  int32_t attempt_;
  nlohmann::json payload_;
  std::shared_ptr<const cancellation_token> token_;
  progress_sink progress_;
};

/// The work of one job type: returns the result, throws to fail the attempt.
using handler = std::function<nlohmann::json(job_context&)>;

/// The set of job types an engine knows. Filled before the engine starts and
/// read-only afterwards, so workers on many threads share it without locks.
class handler_registry {
public:
  /// Registers (or replaces) the handler of a job type.
  void add(std::string type, handler fn);

  /// Returns the handler of a type, or null if the type is unknown.
  const handler* find(const std::string& type) const;

  /// Returns the registered type names, sorted.
  std::vector<std::string> types() const;

private:
  std::map<std::string, handler> handlers_;
};

} // namespace troupe
