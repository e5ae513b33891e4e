// An engine on a manual clock, with the built-in job types and a few handlers
// that let a test control and observe what workers do.
#pragma once

#include "support/latch.hpp"

#include <troupe/builtin_handlers.hpp>
#include <troupe/engine.hpp>
#include <troupe/protocol.hpp>
#include <troupe/store.hpp>

#include <caf/scoped_actor.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

namespace troupe::test {

using namespace std::chrono_literals;

class engine_fixture {
public:
  /// A configuration for tests: manual clock, fixed jitter seed, one worker
  /// without prefetch (so the order of execution is the order of dispatch).
  engine_config config() {
    engine_config cfg;
    cfg.workers = 1;
    cfg.prefetch = 0;
    cfg.clock = clock;
    cfg.jitter_seed = 42;
    return cfg;
  }

  /// Starts the engine with the test handlers:
  /// - `record`, and `record_other` (another type): appends payload.label to
  ///   `recorded`, returns it;
  /// - `block`: counts `started`, waits for `release` or cancellation, and
  ///   returns {"released": bool};
  /// - `stubborn`: counts `started`, waits for `release` ignoring cancellation;
  /// - `halfway`: reports progress 0.5 "halfway", counts `started`, then
  ///   behaves like `block`;
  /// - `flaky`: fails with "not yet" while `failing` is set, else returns "ok".
  void start(engine_config cfg) {
    eng = std::make_unique<engine>(cfg);
    register_builtin_handlers(eng->handlers());
    for (auto* type : {"record", "record_other"})
      eng->handlers().add(type, [this](job_context& ctx) -> nlohmann::json {
        std::lock_guard<std::mutex> guard{recorded_mtx};
        recorded.push_back(ctx.payload().at("label").get<std::string>());
        return ctx.payload().at("label");
      });
    eng->handlers().add("block", [this](job_context& ctx) -> nlohmann::json {
      started.arrive();
      return {{"released", release.pass(ctx)}};
    });
    eng->handlers().add("stubborn", [this](job_context&) -> nlohmann::json {
      started.arrive();
      release.pass_ignoring_cancel();
      return {{"released", true}};
    });
    eng->handlers().add("halfway", [this](job_context& ctx) -> nlohmann::json {
      ctx.progress(0.5, "halfway");
      started.arrive();
      return {{"released", release.pass(ctx)}};
    });
    eng->handlers().add("flaky", [this](job_context&) -> nlohmann::json {
      if (failing)
        throw std::runtime_error{"not yet"};
      return "ok";
    });
    REQUIRE_FALSE(eng->start());
  }

  /// Starts the engine of `config()` on the store `spec` names (see open_store).
  void start_on(const std::string& spec) {
    auto opened = open_store(spec);
    REQUIRE(opened);
    auto cfg = config();
    cfg.store = *opened;
    start(cfg);
  }

  /// Stops the engine with `deadline`, which releases its store, and returns
  /// its final counters.
  engine_stats stop(std::chrono::milliseconds deadline) {
    auto final_stats = eng->stop(deadline);
    REQUIRE(final_stats);
    eng.reset();
    return *final_stats;
  }

  ~engine_fixture() {
    release.open();
    eng.reset();
  }

  /// Submits and requires success; returns the id.
  std::string submit(const std::string& type, const nlohmann::json& payload = nullptr,
                     job_options opts = {}) {
    auto result = eng->submit(type, payload, opts);
    REQUIRE(result);
    return result->id;
  }

  /// Submits a `block` job and waits until the (one) worker runs it; returns
  /// its id. The job holds the worker until `release` opens.
  std::string occupy_worker() {
    auto id = submit("block");
    REQUIRE(started.wait_for(1));
    return id;
  }

  /// Submits many jobs in one message; returns one outcome per job.
  std::vector<submit_outcome> submit_many(const std::vector<job_request>& jobs) {
    std::vector<submit_outcome> result;
    caf::scoped_actor self{eng->system()};
    self->request(eng->supervisor(), std::chrono::seconds{30}, submit_many_atom::value, jobs)
      .receive([&](std::vector<submit_outcome>& outcomes) { result = std::move(outcomes); },
               [&](caf::error& err) { FAIL(describe(err)); });
    return result;
  }

  /// Waits (in real time) until the job is terminal; returns its snapshot.
  job_info finish(const std::string& id) {
    auto job = eng->wait(id, 10s);
    REQUIRE(job);
    REQUIRE(is_terminal(job->status));
    return *job;
  }

  /// Returns the current snapshot of a job.
  job_info status(const std::string& id) {
    auto job = eng->status(id);
    REQUIRE(job);
    return *job;
  }

  engine_stats stats() {
    auto s = eng->stats();
    REQUIRE(s);
    return *s;
  }

  /// Asks for stats until `pred` holds (for at most 30 s of real time); each
  /// request is a round trip through the supervisor, which orders it after
  /// everything the engine did before.
  template <class Pred> engine_stats stats_until(Pred pred) {
    auto deadline = std::chrono::steady_clock::now() + 30s;
    engine_stats s;
    while (std::chrono::steady_clock::now() < deadline) {
      s = stats();
      if (pred(s))
        return s;
    }
    FAIL("the engine never reached the expected state; queue depth "
         << s.queue.depth << ", pending " << s.jobs.pending << ", running " << s.jobs.running
         << ", success " << s.jobs.success);
    return s;
  }

  /// Waits until the engine has armed a timer that falls due before `limit`
  /// (relative to now) and returns its time.
  troupe::clock::time_point next_timer_within(troupe::clock::duration limit) {
    auto t = clock->await_scheduled_before(clock->now() + limit, 10s);
    REQUIRE(t);
    return *t;
  }

  std::vector<std::string> recorded_labels() {
    std::lock_guard<std::mutex> guard{recorded_mtx};
    return recorded;
  }

  std::shared_ptr<manual_clock> clock = std::make_shared<manual_clock>();
  counter started;
  gate release;
  std::atomic<bool> failing{false};
  std::mutex recorded_mtx;
  std::vector<std::string> recorded;
  std::unique_ptr<engine> eng;
};

} // namespace troupe::test
