// Group limits: concurrency and a token bucket per group, a default for the
// others, held jobs counted whatever the limit does.
#include "supervisor/group_limits.hpp"

#include <catch2/catch.hpp>

using namespace troupe;
using namespace troupe::detail;
using namespace std::chrono_literals;

namespace {

const auto t0 = troupe::clock::time_point{} + 1h;

group_limit concurrency(uint32_t k) {
  group_limit l;
  l.concurrency = k;
  return l;
}

group_limit rate(uint32_t n, int64_t per_ms, uint32_t burst) {
  group_limit l;
  l.rate = n;
  l.per_ms = per_ms;
  l.burst = burst;
  return l;
}

} // namespace

TEST_CASE("a group without a limit always may start") {
  group_limits limits;
  for (int i = 0; i < 100; ++i) {
    REQUIRE(limits.may_start("free", t0));
    limits.started("free", t0);
  }
  CHECK(limits.held("free") == 100);
  CHECK(limits.weight("free") == 1);
}

TEST_CASE("a concurrency limit holds until a held job ends") {
  group_limits limits;
  limits.set("a", concurrency(2));
  limits.started("a", t0);
  limits.started("a", t0);
  CHECK_FALSE(limits.may_start("a", t0));
  limits.ended("a");
  CHECK(limits.may_start("a", t0));
  CHECK(limits.may_start("b", t0)); // another group is not limited
}

TEST_CASE("a limit lowered below the held jobs stops new starts until they end") {
  group_limits limits;
  for (int i = 0; i < 3; ++i)
    limits.started("a", t0);
  limits.set("a", concurrency(1));
  CHECK_FALSE(limits.may_start("a", t0));
  limits.ended("a");
  limits.ended("a");
  CHECK_FALSE(limits.may_start("a", t0));
  limits.ended("a");
  CHECK(limits.may_start("a", t0));
}

TEST_CASE("a rate limit lets a burst through, then one token per interval") {
  group_limits limits;
  limits.set("a", rate(50, 1000, 5)); // one token per 20 ms
  for (int i = 0; i < 5; ++i) {
    REQUIRE(limits.may_start("a", t0));
    limits.started("a", t0);
    limits.ended("a");
  }
  CHECK_FALSE(limits.may_start("a", t0));
  auto next = limits.next_token("a", t0);
  REQUIRE(next);
  CHECK(*next == t0 + 20ms);
  CHECK_FALSE(limits.may_start("a", t0 + 19ms));
  CHECK(limits.may_start("a", t0 + 20ms));
}

TEST_CASE("a rate limit never lets more than rate plus burst start in an interval") {
  group_limits limits;
  limits.set("a", rate(50, 1000, 5));
  int started = 0;
  for (auto t = t0; t < t0 + 1s; t += 1ms)
    while (limits.may_start("a", t)) {
      limits.started("a", t);
      limits.ended("a");
      ++started;
    }
  CHECK(started <= 55);
  CHECK(started >= 54);
}

TEST_CASE("the default limit applies to groups without their own") {
  group_limits limits;
  limits.set(group_limits::default_group, concurrency(1));
  group_limit own = concurrency(3);
  own.weight = 4;
  limits.set("vip", own);
  limits.started("x", t0);
  CHECK_FALSE(limits.may_start("x", t0));
  limits.started("vip", t0);
  CHECK(limits.may_start("vip", t0));
  CHECK(limits.weight("vip") == 4);
  limits.remove("vip");
  CHECK_FALSE(limits.may_start("vip", t0));
}

TEST_CASE("an idle group without a limit costs no state") {
  group_limits limits;
  limits.started("a", t0);
  limits.ended("a");
  limits.ended("a"); // ends are idempotent at zero
  CHECK(limits.held("a") == 0);
}
