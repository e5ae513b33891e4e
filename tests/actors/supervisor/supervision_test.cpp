// One-for-one supervision of workers, poison pills and restart intensity.
#include "support/engine_fixture.hpp"

using namespace troupe;
using namespace troupe::test;

namespace {

engine_config without_backoff(engine_config cfg) {
  cfg.backoff_base = 0ms;
  return cfg;
}

} // namespace

TEST_CASE_METHOD(engine_fixture,
                 "a crashed worker is restarted and its job is retried to success") {
  start(without_backoff(config()));
  auto job = finish(submit("crash", {{"crash_attempts", 1}}));
  CHECK(job.status == job_status::success);
  CHECK(job.attempts == 2);
  CHECK(job.result == nlohmann::json{{"crashed", false}});
  CHECK_THAT(*job.error, Catch::Contains("worker crashed"));
  auto s = stats();
  CHECK(s.workers.restarts == 1);
  CHECK(s.workers.total == 1);
  CHECK(finish(submit("echo", 1)).status == job_status::success);
}

TEST_CASE_METHOD(engine_fixture,
                 "a job that kills every worker it runs on fails after max_attempts") {
  start(without_backoff(config()));
  job_options opts;
  opts.max_attempts = 3;
  auto job = finish(submit("crash", nullptr, opts));
  CHECK(job.status == job_status::failed);
  CHECK(job.attempts == 3);
  CHECK_THAT(*job.error, Catch::Contains("worker crashed"));
  CHECK(stats().workers.restarts == 3);
  CHECK(finish(submit("echo", 1)).status == job_status::success);
}

TEST_CASE_METHOD(engine_fixture,
                 "jobs prefetched by a crashing worker go back to the queue unharmed") {
  auto cfg = without_backoff(config());
  cfg.prefetch = 3;
  start(cfg);
  auto crasher = submit("crash", {{"crash_attempts", 1}});
  std::vector<std::string> others;
  for (int i = 0; i < 3; ++i)
    others.push_back(submit("echo", i));
  CHECK(finish(crasher).status == job_status::success);
  for (auto& id : others) {
    auto job = finish(id);
    CHECK(job.status == job_status::success);
    CHECK(job.attempts == 1);
  }
}

TEST_CASE_METHOD(engine_fixture,
                 "too many restarts within the window mark the engine unhealthy until it drains") {
  auto cfg = without_backoff(config());
  cfg.max_restarts = 2;
  cfg.restart_window = 60000ms;
  start(cfg);
  job_options opts;
  opts.max_attempts = 2;
  finish(submit("crash", nullptr, opts));
  CHECK(stats().healthy);
  opts.max_attempts = 1;
  finish(submit("crash", nullptr, opts));
  auto s = stats();
  CHECK(s.workers.restarts == 3);
  CHECK_FALSE(s.healthy);
  clock->advance(60001ms);
  CHECK(stats().healthy);
}
