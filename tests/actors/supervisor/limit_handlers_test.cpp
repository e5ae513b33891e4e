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
  auto cfg = config();
  cfg.workers = 2;
  start(cfg);
  REQUIRE(eng->set_limit("a", at_most(1)));
  job_options in_a;
  in_a.group = "a";
  auto first = submit("block", nullptr, in_a);
  REQUIRE(started.wait_for(1));
  auto second = submit("block", nullptr, in_a);
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
