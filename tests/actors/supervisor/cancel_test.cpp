// Cancellation of pending, running and finished jobs.
#include "support/engine_fixture.hpp"

using namespace troupe;
using namespace troupe::test;

TEST_CASE_METHOD(engine_fixture, "a pending job is cancelled at once and never runs") {
  start(config());
  auto blocker = submit("block");
  REQUIRE(started.wait_for(1));
  auto id = submit("record", {{"label", "never"}});
  auto cancelled = eng->cancel(id);
  REQUIRE(cancelled);
  CHECK(cancelled->status == job_status::cancelled);
  release.open();
  finish(blocker);
  CHECK(finish(submit("record", {{"label", "after"}})).status == job_status::success);
  CHECK(recorded_labels() == std::vector<std::string>{"after"});
  CHECK(status(id).status == job_status::cancelled);
}

TEST_CASE_METHOD(engine_fixture,
                 "a running job gets its token raised and ends cancelled when it returns") {
  start(config());
  auto id = submit("block");
  REQUIRE(started.wait_for(1));
  auto requested = eng->cancel(id);
  REQUIRE(requested);
  CHECK(requested->status == job_status::running);
  auto job = finish(id);
  CHECK(job.status == job_status::cancelled);
  CHECK(job.result.is_null());
}

TEST_CASE_METHOD(engine_fixture, "cancelling a finished job is refused as already_terminal") {
  start(config());
  auto id = submit("echo", 1);
  finish(id);
  auto refused = eng->cancel(id);
  REQUIRE_FALSE(refused);
  CHECK(is_troupe_error(refused.error(), errc::already_terminal));
}

TEST_CASE_METHOD(engine_fixture, "queries for an unknown id answer not_found") {
  start(config());
  auto missing = "00000000-0000-4000-8000-000000000000";
  CHECK(is_troupe_error(eng->status(missing).error(), errc::not_found));
  CHECK(is_troupe_error(eng->cancel(missing).error(), errc::not_found));
  CHECK(is_troupe_error(eng->wait(missing, 10ms).error(), errc::not_found));
}
