// Attempt timeouts, fencing of late reports, and replacing stuck workers.
#include "support/engine_fixture.hpp"

using namespace troupe;
using namespace troupe::test;

namespace {

/// Submits `type` with a 1 s timeout, waits until it runs, then moves the
/// clock to its deadline. Returns the job's id.
std::string run_past_timeout(engine_fixture& f, const std::string& type, int32_t max_attempts) {
  job_options opts;
  opts.timeout_ms = 1000;
  opts.max_attempts = max_attempts;
  auto id = f.submit(type, nullptr, opts);
  REQUIRE(f.started.wait_for(1));
  f.clock->advance_to(f.next_timer_within(1001ms));
  return id;
}

} // namespace

TEST_CASE_METHOD(engine_fixture, "an attempt that exceeds timeout_ms fails with a timeout") {
  start(config());
  auto id = run_past_timeout(*this, "block", 1);
  auto job = finish(id);
  CHECK(job.status == job_status::failed);
  CHECK_THAT(*job.error, Catch::Contains("timeout"));
}

TEST_CASE_METHOD(engine_fixture, "a result that arrives after the timeout is discarded") {
  start(config());
  auto id = run_past_timeout(*this, "block", 1);
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
  auto id = run_past_timeout(*this, "block", 2);
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
  auto stuck = run_past_timeout(*this, "stubborn", 1);
  CHECK(finish(stuck).status == job_status::failed);
  auto waiting = submit("echo", 7);
  CHECK(stats().queue.depth == 1);
  clock->advance_to(next_timer_within(5001ms));
  auto job = finish(waiting);
  CHECK(job.status == job_status::success);
  auto s = stats();
  CHECK(s.workers.replaced == 1);
  CHECK(s.workers.total == 1);
}
