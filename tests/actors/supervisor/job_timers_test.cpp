// The supervisor's timers: deadlines looked up by lease or by job, and one
// wake-up armed ahead of the earliest.
#include "supervisor/job_timers.hpp"

#include <catch2/catch.hpp>

using namespace troupe::detail;
using namespace std::chrono_literals;

namespace {

const auto t0 = troupe::clock::time_point{} + 1h;

std::vector<timer_kind> kinds(const std::vector<timer_event>& events) {
  std::vector<timer_kind> out;
  for (auto& e : events)
    out.push_back(e.kind);
  return out;
}

} // namespace

TEST_CASE("timers hand back what is due, earliest first") {
  job_timers timers;
  timers.add(t0 + 20ms, {timer_kind::grace, 1, 1});
  timers.add(t0 + 10ms, {timer_kind::ready, 2, 0});
  timers.add(t0 + 30ms, {timer_kind::drain_deadline, 0, 0});
  CHECK(kinds(timers.expire(t0 + 20ms)) == std::vector{timer_kind::ready, timer_kind::grace});
  CHECK(timers.size() == 1);
}

TEST_CASE("a cancelled attempt timeout never falls due") {
  job_timers timers;
  timers.watch_timeout(7, 1, t0 + 10ms);
  timers.cancel_timeout(7);
  CHECK(timers.expire(t0 + 1s).empty());
  CHECK(timers.size() == 0);
}

TEST_CASE("an attempt timeout that fell due can be cancelled afterwards without effect") {
  job_timers timers;
  timers.watch_timeout(7, 1, t0 + 10ms);
  auto due = timers.expire(t0 + 10ms);
  REQUIRE(due.size() == 1);
  CHECK(due[0].lease == 7);
  timers.watch_timeout(8, 2, t0 + 50ms);
  timers.cancel_timeout(7); // the lease ends after its timeout: nothing left
  CHECK(timers.size() == 1);
}

TEST_CASE("long-polls end with their job: their deadlines are cancelled") {
  job_timers timers;
  timers.add_wait(1, t0 + 10ms);
  timers.add_wait(1, t0 + 20ms);
  timers.add_wait(2, t0 + 30ms);
  timers.cancel_waits(1);
  auto due = timers.expire(t0 + 1s);
  REQUIRE(due.size() == 1);
  CHECK(due[0].seq == 2);
}

TEST_CASE("long-polls taken for an answer now leave no deadline behind") {
  job_timers timers;
  auto a = timers.add_wait(1, t0 + 10ms);
  auto b = timers.add_wait(2, t0 + 20ms);
  auto taken = timers.take_waits();
  std::sort(taken.begin(), taken.end());
  CHECK(taken == std::vector<std::pair<uint64_t, uint64_t>>{{1, a}, {2, b}});
  CHECK(timers.size() == 0);
  CHECK(timers.take_waits().empty());
}

TEST_CASE("a long-poll that fell due is not taken again") {
  job_timers timers;
  auto first = timers.add_wait(1, t0 + 10ms);
  auto second = timers.add_wait(1, t0 + 20ms);
  auto due = timers.expire(t0 + 10ms);
  REQUIRE(due.size() == 1);
  CHECK(due[0].lease == first);
  auto taken = timers.take_waits();
  CHECK(taken == std::vector<std::pair<uint64_t, uint64_t>>{{1, second}});
}

TEST_CASE("a wake-up is asked for only when a deadline comes before the armed one") {
  job_timers timers;
  CHECK_FALSE(timers.wake_up(std::nullopt));
  timers.add(t0 + 20ms, {timer_kind::ready, 1, 0});
  CHECK(timers.wake_up(std::nullopt) == t0 + 20ms);
  timers.add(t0 + 30ms, {timer_kind::ready, 2, 0});
  CHECK_FALSE(timers.wake_up(std::nullopt));
  CHECK(timers.wake_up(t0 + 5ms) == t0 + 5ms);
  timers.expire(t0 + 5ms); // the wake-up came: the next one is due anew
  CHECK(timers.wake_up(std::nullopt) == t0 + 20ms);
}
