// Attempt timeouts, fencing of late reports, and replacing stuck workers.
#include "support/engine_fixture.hpp"

using namespace troupe;
using namespace troupe::test;

TEST_CASE_METHOD(engine_fixture, "an attempt that exceeds timeout_ms fails with a timeout") {
  start(config());
  job_options opts;
  opts.timeout_ms = 1000;
  opts.max_attempts = 1;
  auto id = submit("block", nullptr, opts);
  REQUIRE(started.wait_for(1));
  auto deadline = next_timer_within(1001ms);
  clock->advance_to(deadline);
  auto job = finish(id);
  CHECK(job.status == job_status::failed);
  CHECK_THAT(*job.error, Catch::Contains("timeout"));
}

TEST_CASE_METHOD(engine_fixture, "a result that arrives after the timeout is discarded") {
  start(config());
  job_options opts;
  opts.timeout_ms = 1000;
  opts.max_attempts = 1;
  auto id = submit("block", nullptr, opts);
  REQUIRE(started.wait_for(1));
  clock->advance_to(next_timer_within(1001ms));
  REQUIRE(finish(id).status == job_status::failed);
  // The handler saw its token raised and returned a result anyway. Once the
  // single worker has run a later job, its late report was processed too.
  CHECK(finish(submit("echo", 1)).status == job_status::success);
  auto job = status(id);
  CHECK(job.status == job_status::failed);
  CHECK(job.result.is_null());
}

TEST_CASE_METHOD(engine_fixture, "a timed-out attempt is retried when attempts remain") {
  auto cfg = config();
  cfg.backoff_base = 0ms;
  start(cfg);
  job_options opts;
  opts.timeout_ms = 1000;
  opts.max_attempts = 2;
  auto id = submit("block", nullptr, opts);
  REQUIRE(started.wait_for(1));
  clock->advance_to(next_timer_within(1001ms));
  REQUIRE(started.wait_for(2));
  release.open();
  auto job = finish(id);
  CHECK(job.status == job_status::success);
  CHECK(job.attempts == 2);
  CHECK_THAT(*job.error, Catch::Contains("timeout"));
}

TEST_CASE_METHOD(engine_fixture,
                 "a worker stuck past the grace period is replaced and the pool keeps its size") {
  auto cfg = config();
  cfg.timeout_grace = 5000ms;
  start(cfg);
  job_options opts;
  opts.timeout_ms = 1000;
  opts.max_attempts = 1;
  auto stuck = submit("stubborn", nullptr, opts);
  REQUIRE(started.wait_for(1));
  clock->advance_to(next_timer_within(1001ms));
  CHECK(finish(stuck).status == job_status::failed);
  auto waiting = submit("echo", 7);
  CHECK(stats().queue_depth == 1);
  clock->advance_to(next_timer_within(5001ms));
  auto job = finish(waiting);
  CHECK(job.status == job_status::success);
  auto s = stats();
  CHECK(s.replaced == 1);
  CHECK(s.workers_total == 1);
}
