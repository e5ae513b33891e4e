// Graceful shutdown: refuse new work, let running jobs finish, cancel the rest.
#include "support/engine_fixture.hpp"

#include <troupe/protocol.hpp>

#include <caf/scoped_actor.hpp>

using namespace troupe;
using namespace troupe::test;

TEST_CASE_METHOD(engine_fixture, "shutdown lets the running job finish and cancels pending ones") {
  start(config());
  auto running = submit("block");
  REQUIRE(started.wait_for(1));
  auto pending = submit("echo", 1);
  caf::scoped_actor self{eng->system()};
  auto drain =
    self->request(eng->supervisor(), std::chrono::seconds{10}, drain_atom::value, int64_t{60000});
  // Sent after the drain request on this thread, so answered after it.
  CHECK_FALSE(stats().accepting);
  release.open();
  std::string final_stats;
  drain.receive([&](std::string& json) { final_stats = json; },
                [&](caf::error& err) { FAIL(describe(err)); });
  auto s = nlohmann::json::parse(final_stats).get<engine_stats>();
  CHECK(s.jobs.success == 1);
  CHECK(s.jobs.cancelled == 1);
  CHECK(status(running).status == job_status::success);
  CHECK(status(pending).status == job_status::cancelled);
}

TEST_CASE_METHOD(engine_fixture, "shutdown cancels jobs still running at the deadline") {
  start(config());
  auto running = submit("block");
  REQUIRE(started.wait_for(1));
  caf::scoped_actor self{eng->system()};
  auto drain =
    self->request(eng->supervisor(), std::chrono::seconds{10}, drain_atom::value, int64_t{5000});
  clock->advance_to(next_timer_within(5001ms));
  std::string final_stats;
  drain.receive([&](std::string& json) { final_stats = json; },
                [&](caf::error& err) { FAIL(describe(err)); });
  CHECK(nlohmann::json::parse(final_stats).get<engine_stats>().jobs.cancelled == 1);
  CHECK(status(running).status == job_status::cancelled);
}

TEST_CASE_METHOD(engine_fixture, "submissions during shutdown are refused with shutting_down") {
  start(config());
  caf::scoped_actor self{eng->system()};
  self->request(eng->supervisor(), std::chrono::seconds{10}, drain_atom::value, int64_t{0})
    .receive([](std::string&) {}, [&](caf::error& err) { FAIL(describe(err)); });
  auto refused = eng->submit("echo", 1);
  REQUIRE_FALSE(refused);
  CHECK(is_troupe_error(refused.error(), errc::shutting_down));
}

TEST_CASE("stopping an engine with a running job returns and releases its actor system") {
  engine_config cfg;
  cfg.workers = 2;
  engine eng{cfg};
  register_builtin_handlers(eng.handlers());
  REQUIRE_FALSE(eng.start());
  auto id = eng.submit("sleep", {{"ms", 60000}});
  REQUIRE(id);
  auto final_stats = eng.stop(0ms);
  REQUIRE(final_stats);
  CHECK(final_stats->jobs.cancelled == 1);
  CHECK_FALSE(eng.supervisor());
  CHECK(is_troupe_error(eng.submit("echo", 1).error(), errc::shutting_down));
}
