// Engine calls that wait for their replies: each is answered exactly once.
#include "detail/pending_calls.hpp"

#include <catch2/catch.hpp>

#include <caf/sec.hpp>

#include <vector>

using namespace troupe::http::detail;
using namespace std::chrono_literals;

namespace {

using time_point = pending_calls::time_point;

const time_point t0{};
const caf::error late = caf::make_error(caf::sec::request_timeout);

} // namespace

TEST_CASE("a reply closes its call, so a later deadline refuses nothing") {
  pending_calls calls;
  int refused = 0;
  auto call = calls.open(t0 + 1s, [&](const caf::error&) { ++refused; });
  CHECK(calls.close(call));
  calls.expire(t0 + 2s, late);
  CHECK(refused == 0);
  CHECK(calls.size() == 0);
}

TEST_CASE("a call past its deadline is refused once, and its late reply is dropped") {
  pending_calls calls;
  std::vector<caf::error> refusals;
  auto call = calls.open(t0 + 1s, [&](const caf::error& err) { refusals.push_back(err); });
  calls.expire(t0 + 999ms, late);
  CHECK(refusals.empty());
  calls.expire(t0 + 1s, late);
  REQUIRE(refusals.size() == 1);
  CHECK(refusals[0] == late);
  CHECK_FALSE(calls.close(call));
  calls.expire(t0 + 5s, late);
  CHECK(refusals.size() == 1);
}

TEST_CASE("calls expire by their own deadlines, whatever order they were opened in") {
  pending_calls calls;
  std::vector<int> refused;
  calls.open(t0 + 30s, [&](const caf::error&) { refused.push_back(30); });
  calls.open(t0 + 1s, [&](const caf::error&) { refused.push_back(1); });
  calls.open(t0 + 10s, [&](const caf::error&) { refused.push_back(10); });
  calls.expire(t0 + 10s, late);
  CHECK(refused == std::vector<int>{1, 10});
  CHECK(calls.size() == 1);
}

TEST_CASE("refusing all calls answers every open one") {
  pending_calls calls;
  int refused = 0;
  for (int i = 0; i < 5; ++i)
    calls.open(t0 + std::chrono::seconds{i}, [&](const caf::error&) { ++refused; });
  calls.close(2);
  calls.refuse_all(late);
  CHECK(refused == 4);
  CHECK(calls.size() == 0);
}
