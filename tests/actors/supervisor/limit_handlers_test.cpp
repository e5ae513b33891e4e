// Group limits set, read and removed through the engine: they hold across
// workers, a change takes effect at once, and a durable engine keeps them.
#include "support/engine_fixture.hpp"
#include "support/server_process.hpp"

using namespace troupe;
using namespace troupe::test;

namespace {

group_limit at_most(uint32_t concurrency) {
  group_limit limit;
  limit.concurrency = concurrency;
  return limit;
}

/// Two workers, group "a" limited to one job at once: its first `block` job
/// runs, its second waits. Returns both ids.
std::pair<std::string, std::string> one_running_one_waiting(engine_fixture& f) {
  auto cfg = f.config();
  cfg.workers = 2;
  f.start(cfg);
  REQUIRE(f.eng->set_limit("a", at_most(1)));
  job_options in_a;
  in_a.group = "a";
  auto first = f.submit("block", nullptr, in_a);
  REQUIRE(f.started.wait_for(1));
  return {first, f.submit("block", nullptr, in_a)};
}

} // namespace

TEST_CASE_METHOD(engine_fixture, "a paused group's jobs wait while other groups' jobs run") {
  auto cfg = config();
  cfg.workers = 2;
  start(cfg);
  REQUIRE(eng->set_limit("a", at_most(0)));
  job_options in_a;
  in_a.group = "a";
  auto paused = submit("echo", 1, in_a);
  auto other = submit("echo", 2);
  CHECK(finish(other).status == job_status::success);
  auto state = eng->limit("a");
  REQUIRE(state);
  CHECK(state->ready == 1);
  CHECK(state->throttled);
  CHECK(status(paused).status == job_status::pending);
  REQUIRE(eng->set_limit("a", at_most(1)));
  CHECK(finish(paused).status == job_status::success);
}

TEST_CASE_METHOD(engine_fixture, "a group's concurrency limit holds across the workers") {
  auto [first, second] = one_running_one_waiting(*this);
  // The second worker is idle, but the group holds its one slot.
  auto state = eng->limit("a");
  REQUIRE(state);
  CHECK(state->running == 1);
  CHECK(state->ready == 1);
  CHECK(status(second).status == job_status::pending);
  release.open();
  CHECK(finish(first).status == job_status::success);
  CHECK(finish(second).status == job_status::success);
}

TEST_CASE_METHOD(engine_fixture, "a removed limit lets the group's waiting jobs run") {
  start(config());
  REQUIRE(eng->set_limit("a", at_most(0)));
  job_options in_a;
  in_a.group = "a";
  auto paused = submit("echo", 1, in_a);
  auto removed = eng->remove_limit("a");
  REQUIRE(removed);
  CHECK(removed->limit.concurrency == 0u);
  CHECK(finish(paused).status == job_status::success);
  CHECK(is_troupe_error(eng->limit("a").error(), errc::not_found));
}

TEST_CASE_METHOD(engine_fixture, "a group's limit is in force again after a restart") {
  scratch_dir dir;
  start_on(dir.sqlite_store());
  REQUIRE(eng->set_limit("a", at_most(0)));
  group_limit weighted;
  weighted.weight = 3;
  REQUIRE(eng->set_limit("*", weighted));
  job_options in_a;
  in_a.group = "a";
  auto paused = submit("echo", 1, in_a);
  stop(std::chrono::milliseconds{0});
  start_on(dir.sqlite_store());
  auto state = eng->limit("a");
  REQUIRE(state);
  CHECK(state->limit.concurrency == 0u);
  CHECK(state->ready == 1);
  CHECK(eng->limit("*")->limit.weight == 3u);
  CHECK(status(paused).status == job_status::pending);
  REQUIRE(eng->remove_limit("a"));
  CHECK(finish(paused).status == job_status::success);
}

TEST_CASE_METHOD(engine_fixture,
                 "a cancel, a timeout and a failed attempt each give the group's slot back once") {
  auto [cancelled, next] = one_running_one_waiting(*this);
  job_options in_a;
  in_a.group = "a";
  REQUIRE(eng->cancel(cancelled));
  CHECK(finish(cancelled).status == job_status::cancelled);
  // The cancelled job's slot went to the next one, and only to it.
  REQUIRE(started.wait_for(2));
  CHECK(eng->limit("a")->running == 1);
  auto timed_out_opts = in_a;
  timed_out_opts.timeout_ms = 1000;
  timed_out_opts.max_attempts = 1;
  auto timed_out = submit("block", nullptr, timed_out_opts);
  auto failing_opts = in_a;
  failing_opts.max_attempts = 1;
  auto failed = submit("fail", {{"message", "no"}}, failing_opts);
  REQUIRE(eng->cancel(next));
  CHECK(finish(next).status == job_status::cancelled);
  REQUIRE(started.wait_for(3));
  clock->advance_to(next_timer_within(std::chrono::milliseconds{1001}));
  CHECK(finish(timed_out).status == job_status::failed);
  CHECK(finish(failed).status == job_status::failed);
  auto state = eng->limit("a");
  REQUIRE(state);
  CHECK(state->running == 0);
  CHECK(state->ready == 0);
  // The slot is free: one more job of the group runs.
  CHECK(finish(submit("echo", 1, in_a)).status == job_status::success);
}
