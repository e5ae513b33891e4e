// Idempotency keys: a repeated submission returns the job it repeats.
#include "support/engine_fixture.hpp"

using namespace troupe;
using namespace troupe::test;

namespace {

job_options keyed(const std::string& key) {
  job_options opts;
  opts.idempotency_key = key;
  return opts;
}

} // namespace

TEST_CASE_METHOD(engine_fixture, "a second submission with the same key returns the first job") {
  start(config());
  auto first = eng->submit("echo", 1, keyed("order-42"));
  auto second = eng->submit("echo", 2, keyed("order-42"));
  REQUIRE(first);
  REQUIRE(second);
  CHECK(first->created);
  CHECK_FALSE(second->created);
  CHECK(second->id == first->id);
  CHECK(finish(first->id).result == 1);
  CHECK(stats().submitted_total == 1);
}

TEST_CASE_METHOD(engine_fixture, "different keys make different jobs") {
  start(config());
  auto a = eng->submit("echo", 1, keyed("a"));
  auto b = eng->submit("echo", 1, keyed("b"));
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->id != b->id);
}

TEST_CASE_METHOD(engine_fixture, "a key is free again once its job's result has expired") {
  auto cfg = config();
  cfg.result_ttl = 1000ms;
  start(cfg);
  auto first = eng->submit("echo", 1, keyed("k"));
  REQUIRE(first);
  finish(first->id);
  clock->advance(1000ms);
  auto again = eng->submit("echo", 1, keyed("k"));
  REQUIRE(again);
  CHECK(again->created);
  CHECK(again->id != first->id);
}
