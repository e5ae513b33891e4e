// Retrying a finished job by hand (`retry_atom`): a failed or cancelled job
// runs again from the start under the same id; nothing else may be retried.
#include "support/engine_fixture.hpp"
#include "support/server_process.hpp"

#include <troupe/errors.hpp>

using namespace troupe;
using namespace troupe::test;

namespace {

job_options one_attempt() {
  job_options opts;
  opts.max_attempts = 1;
  return opts;
}

} // namespace

TEST_CASE_METHOD(engine_fixture,
                 "a failed job retried runs again under its id with its attempts reset") {
  start(config());
  failing = true;
  auto id = submit("flaky", nullptr, one_attempt());
  auto failed = finish(id);
  REQUIRE(failed.status == job_status::failed);
  CHECK(failed.attempts == 1);
  CHECK(stats().jobs.failed == 1);
  failing = false;
  auto retried = eng->retry(id);
  REQUIRE(retried);
  CHECK(retried->id == id);
  CHECK(retried->attempts == 0);
  CHECK_FALSE(retried->error);
  CHECK_FALSE(retried->finished_at_ms);
  auto job = finish(id);
  CHECK(job.status == job_status::success);
  CHECK(job.attempts == 1);
  CHECK(job.result == "ok");
  auto counts = stats();
  CHECK(counts.jobs.failed == 0);
  CHECK(counts.jobs.success == 1);
}

TEST_CASE_METHOD(engine_fixture, "a cancelled job can be retried and then runs") {
  start(config());
  occupy_worker();
  auto id = submit("record", {{"label", "again"}});
  REQUIRE(eng->cancel(id));
  REQUIRE(status(id).status == job_status::cancelled);
  auto retried = eng->retry(id);
  REQUIRE(retried);
  CHECK(retried->status == job_status::pending);
  release.open();
  CHECK(finish(id).status == job_status::success);
  CHECK(recorded_labels() == std::vector<std::string>{"again"});
}

TEST_CASE_METHOD(engine_fixture, "only failed or cancelled jobs can be retried") {
  start(config());
  auto done = submit("echo", 1);
  REQUIRE(finish(done).status == job_status::success);
  auto running = occupy_worker();
  auto pending = submit("echo", 2);
  for (auto& [id, state] :
       {std::pair{done, "succeeded"}, {running, "is running"}, {pending, "is pending"}}) {
    auto refused = eng->retry(id);
    REQUIRE_FALSE(refused);
    CHECK(is_troupe_error(refused.error(), errc::not_retryable));
    CHECK_THAT(describe(refused.error()), Catch::Contains(state));
  }
  for (auto id : {std::string{"no-such-job"}, done + "x"}) {
    auto refused = eng->retry(id);
    REQUIRE_FALSE(refused);
    CHECK(is_troupe_error(refused.error(), errc::not_found));
  }
  CHECK(status(done).status == job_status::success);
  CHECK(status(pending).status == job_status::pending);
}

TEST_CASE_METHOD(engine_fixture, "a retry is refused while the queue is full") {
  auto cfg = config();
  cfg.queue_capacity = 1;
  start(cfg);
  failing = true;
  auto id = submit("flaky", nullptr, one_attempt());
  REQUIRE(finish(id).status == job_status::failed);
  occupy_worker();
  submit("echo");
  auto refused = eng->retry(id);
  REQUIRE_FALSE(refused);
  CHECK(is_troupe_error(refused.error(), errc::queue_full));
  CHECK(status(id).status == job_status::failed);
}

TEST_CASE_METHOD(engine_fixture, "a retried job keeps its idempotency key") {
  start(config());
  failing = true;
  auto opts = one_attempt();
  opts.idempotency_key = "invoice-7";
  auto id = submit("flaky", nullptr, opts);
  REQUIRE(finish(id).status == job_status::failed);
  failing = false;
  REQUIRE(eng->retry(id));
  auto again = eng->submit("flaky", nullptr, opts);
  REQUIRE(again);
  CHECK(again->id == id);
  CHECK_FALSE(again->created);
  CHECK(finish(id).status == job_status::success);
}

TEST_CASE_METHOD(engine_fixture,
                 "a retry on a durable store survives a restart before the job runs again") {
  scratch_dir dir;
  start_on(dir.sqlite_store());
  failing = true;
  auto id = submit("flaky", nullptr, one_attempt());
  REQUIRE(finish(id).status == job_status::failed);
  occupy_worker();
  auto retried = eng->retry(id);
  REQUIRE(retried);
  CHECK(retried->status == job_status::pending);
  auto final_stats = stop(0ms);
  CHECK(final_stats.jobs.pending == 1);
  CHECK(final_stats.jobs.failed == 0);
  failing = false;
  release.open();
  start_on(dir.sqlite_store());
  auto job = finish(id);
  CHECK(job.status == job_status::success);
  CHECK(job.attempts == 1);
}
