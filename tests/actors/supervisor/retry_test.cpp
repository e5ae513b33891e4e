// Retries: attempt counting, exponential backoff with jitter, permanent errors.
#include "support/engine_fixture.hpp"

#include "supervisor/backoff.hpp"

using namespace troupe;
using namespace troupe::test;

TEST_CASE("backoff doubles per attempt, stays within [d/2, d] and respects the cap") {
  using detail::backoff_delay;
  auto base = 100ms;
  auto cap = 1000ms;
  for (double unit : {0.0, 0.25, 0.5, 0.99, 1.0}) {
    CHECK(backoff_delay(base, cap, 1, unit) >= 50ms);
    CHECK(backoff_delay(base, cap, 1, unit) <= 100ms);
    CHECK(backoff_delay(base, cap, 3, unit) >= 200ms);
    CHECK(backoff_delay(base, cap, 3, unit) <= 400ms);
    CHECK(backoff_delay(base, cap, 10, unit) >= 500ms);
    CHECK(backoff_delay(base, cap, 10, unit) <= 1000ms);
    CHECK(backoff_delay(base, cap, 100, unit) <= 1000ms);
  }
  CHECK(backoff_delay(base, cap, 2, 0.0) == 100ms);
  CHECK(backoff_delay(base, cap, 2, 1.0) == 200ms);
}

TEST_CASE_METHOD(engine_fixture,
                 "a failing job is retried after backoff until max_attempts, then failed") {
  auto cfg = config();
  cfg.backoff_base = 1000ms;
  cfg.backoff_cap = 60000ms;
  start(cfg);
  job_options opts;
  opts.max_attempts = 3;
  auto id = submit("fail", {{"message", "disk on fire"}}, opts);
  for (int failed_attempt = 1; failed_attempt <= 2; ++failed_attempt) {
    auto ceiling = std::chrono::milliseconds{1000 << (failed_attempt - 1)};
    auto now = clock->now();
    auto retry_at = next_timer_within(ceiling + 1ms);
    CHECK(retry_at - now >= ceiling / 2);
    CHECK(retry_at - now <= ceiling);
    auto waiting = status(id);
    CHECK(waiting.status == job_status::pending);
    CHECK(waiting.attempts == failed_attempt);
    CHECK(waiting.error == std::optional<std::string>{"disk on fire"});
    clock->advance_to(retry_at);
  }
  auto job = finish(id);
  CHECK(job.status == job_status::failed);
  CHECK(job.attempts == 3);
  CHECK(job.error == std::optional<std::string>{"disk on fire"});
}

TEST_CASE_METHOD(engine_fixture, "a permanent failure is not retried") {
  start(config());
  job_options opts;
  opts.max_attempts = 5;
  auto job = finish(submit("sleep", {{"ms", -1}}, opts));
  CHECK(job.status == job_status::failed);
  CHECK(job.attempts == 1);
  CHECK_THAT(*job.error, Catch::Contains("payload.ms"));
}
