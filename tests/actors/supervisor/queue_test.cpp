// Dispatch order, delayed starts and the bounded queue.
#include "support/engine_fixture.hpp"

using namespace troupe;
using namespace troupe::test;

TEST_CASE_METHOD(engine_fixture, "higher priorities run first, FIFO within a priority") {
  start(config());
  auto blocker = submit("block");
  REQUIRE(started.wait_for(1));
  std::vector<std::pair<std::string, int>> jobs{{"low-a", 1},  {"high-a", 9}, {"mid", 5},
                                                {"high-b", 9}, {"low-b", 1},  {"zero", 0}};
  std::vector<std::string> ids;
  for (auto& [label, priority] : jobs) {
    job_options opts;
    opts.priority = priority;
    ids.push_back(submit("record", {{"label", label}}, opts));
  }
  release.open();
  finish(blocker);
  for (auto& id : ids)
    CHECK(finish(id).status == job_status::success);
  CHECK(recorded_labels()
        == std::vector<std::string>{"high-a", "high-b", "mid", "low-a", "low-b", "zero"});
}

TEST_CASE_METHOD(engine_fixture, "jobs of one priority run in submission order") {
  start(config());
  auto blocker = submit("block");
  REQUIRE(started.wait_for(1));
  std::vector<std::string> expected, ids;
  for (int i = 0; i < 20; ++i) {
    expected.push_back("job-" + std::to_string(i));
    ids.push_back(submit("record", {{"label", expected.back()}}));
  }
  release.open();
  for (auto& id : ids)
    finish(id);
  CHECK(recorded_labels() == expected);
}

TEST_CASE_METHOD(engine_fixture, "a delayed job does not start before its delay") {
  start(config());
  job_options opts;
  opts.delay_ms = 1000;
  auto id = submit("echo", 1, opts);
  clock->advance(999ms);
  auto before = stats();
  CHECK(before.queue.delayed == 1);
  CHECK(before.queue.depth == 0);
  CHECK(status(id).status == job_status::pending);
  clock->advance(1ms);
  auto job = finish(id);
  CHECK(job.status == job_status::success);
  REQUIRE(job.started_at_ms);
  CHECK(*job.started_at_ms - job.created_at_ms >= 1000);
}

TEST_CASE_METHOD(engine_fixture, "a delayed job keeps its place among jobs of its priority") {
  start(config());
  job_options delayed;
  delayed.delay_ms = 500;
  auto first = submit("record", {{"label", "delayed"}}, delayed);
  auto blocker = submit("block");
  REQUIRE(started.wait_for(1));
  auto second = submit("record", {{"label", "later"}});
  clock->advance(500ms);
  CHECK(stats().queue.depth == 2);
  release.open();
  finish(blocker);
  finish(first);
  finish(second);
  CHECK(recorded_labels() == std::vector<std::string>{"delayed", "later"});
}

TEST_CASE_METHOD(engine_fixture, "a submission beyond capacity is refused with queue_full") {
  auto cfg = config();
  cfg.queue_capacity = 2;
  start(cfg);
  job_options opts;
  opts.delay_ms = 60000;
  auto a = submit("echo", 1, opts);
  submit("echo", 2, opts);
  auto refused = eng->submit("echo", 3, opts);
  REQUIRE_FALSE(refused);
  CHECK(is_troupe_error(refused.error(), errc::queue_full));
  CHECK(stats().jobs.pending == 2);
  REQUIRE(eng->cancel(a));
  CHECK(eng->submit("echo", 3, opts));
}
