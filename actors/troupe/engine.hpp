// The engine for code that is not an actor: a facade over the supervisor.
//
// `engine` starts a supervisor (in an actor system of its own, or in the
// host's), and turns each call into one request to it, waiting for the answer
// on the calling thread. Actors should talk to `supervisor()` directly with
// the messages of protocol.hpp instead of blocking in these calls.
//
//   auto store = troupe::open_store("sqlite:jobs.db"); // or "memory"
//   if (!store) ...;  // e.g. the file is in use by another process
//   troupe::engine_config cfg;
//   cfg.store = *store;
//   troupe::engine eng{cfg};
//   troupe::register_builtin_handlers(eng.handlers());
//   if (auto err = eng.start()) ...;
//   auto job = eng.submit("echo", {{"hello", "world"}});
//   auto done = eng.wait(job->id, std::chrono::seconds{5});
//   eng.stop();
#pragma once

#include "troupe/engine_config.hpp"
#include "troupe/errors.hpp"
#include "troupe/handler.hpp"
#include "troupe/job.hpp"
#include "troupe/limits.hpp"
#include "troupe/stats.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/expected.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace troupe {

/// The answer to a submission.
struct submission {
  std::string id;
  /// False when an idempotency key matched an existing job.
  bool created = true;
};

/// Applies the actor-system settings the engine is measured with (scheduler
/// threads and policy) and registers its message types. An engine that owns
/// its system does this itself; a host that embeds one may call it before
/// constructing its `caf::actor_system`.
void configure_system(caf::actor_system_config& cfg);

/// A job engine with a blocking C++ interface.
class engine {
public:
  // -- constructors, destructors --

  /// An engine in an actor system of its own.
  explicit engine(engine_config config = {});

  /// An engine inside the host's actor system, which must outlive it.
  engine(caf::actor_system& system, engine_config config);

  /// Stops the engine if it is running (with a 30 s deadline).
  ~engine();

  engine(const engine&) = delete;
  engine& operator=(const engine&) = delete;

  // -- lifecycle --

  /// The job types; add handlers here before `start`.
  handler_registry& handlers();

  /// Reads back the jobs of the configured store and spawns the supervisor,
  /// its journal and its workers. Fails with the store's error (typically
  /// `store_unavailable`) if the jobs cannot be read.
  caf::error start();

  /// Refuses new jobs, lets running ones finish until `deadline`, and stops
  /// every actor of the engine; returns the final counters once the store is
  /// released. Unfinished jobs stay in a durable store for the next start
  /// (those still running at the deadline run again then); without one they
  /// are cancelled.
  caf::expected<engine_stats> stop(std::chrono::milliseconds deadline);

  /// The first half of `stop`: refuses new jobs and lets running ones finish
  /// until `deadline`, but keeps answering queries, so a front that still
  /// has clients can stop after it and before `release`.
  caf::expected<engine_stats> drain(std::chrono::milliseconds deadline);

  /// The second half of `stop`: stops every actor of the engine and returns
  /// once the store is released.
  void release();

  // -- properties --

  /// The supervisor, for actors that talk the protocol; null unless started.
  const caf::actor& supervisor() const noexcept { return supervisor_; }

  caf::actor_system& system() noexcept { return *system_; }

  // -- jobs --

  /// Submits a job; errors as in protocol.hpp.
  caf::expected<submission> submit(const std::string& type, const nlohmann::json& payload = nullptr,
                                   job_options options = {});

  /// Returns a job's current snapshot.
  caf::expected<job_info> status(const std::string& id);

  /// Waits until the job is terminal or `timeout` passes, then returns it as
  /// it is at that moment (check `status`).
  caf::expected<job_info> wait(const std::string& id, std::chrono::milliseconds timeout);

  /// Cancels a job (at once if pending; a running one ends `cancelled` when
  /// its handler returns). Returns the job after the request.
  caf::expected<job_info> cancel(const std::string& id);

  /// Runs a failed or cancelled job again from the start, under the same id
  /// (`not_retryable` for a job in another state). Returns it, pending.
  caf::expected<job_info> retry(const std::string& id);

  /// Returns the engine's counters.
  caf::expected<engine_stats> stats();

  // -- group limits (troupe/limits.hpp) --

  /// Sets the limit of `group` (`*`: the default); returns it once stored.
  caf::expected<group_limit_state> set_limit(const std::string& group, const group_limit& limit);

  /// Returns the limit of `group` and its use now (not_found without one).
  caf::expected<group_limit_state> limit(const std::string& group);

  /// Removes the limit of `group`; returns the state it had.
  caf::expected<group_limit_state> remove_limit(const std::string& group);

private:
  engine_config config_;
  std::unique_ptr<caf::actor_system_config> own_config_;
  std::unique_ptr<caf::actor_system> own_system_;
  caf::actor_system* system_;
  std::shared_ptr<handler_registry> handlers_;
  caf::actor supervisor_;
};

} // namespace troupe
