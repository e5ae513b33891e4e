// The timer set: time is an input, due events come out in deadline order.
#include "supervisor/deadline_queue.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace troupe::detail;

TEST_CASE("a deadline queue says when the earliest deadline moves") {
  deadline_queue<int, std::string> q;
  bool moved = false;
  q.add(10, "b", &moved);
  CHECK(moved);
  q.add(20, "c", &moved);
  CHECK_FALSE(moved);
  q.add(5, "a", &moved);
  CHECK(moved);
  CHECK(q.next() == 5);
}

TEST_CASE("a deadline queue hands back what is due, earliest first, and no more") {
  deadline_queue<int, std::string> q;
  q.add(30, "late");
  q.add(10, "first");
  q.add(20, "second");
  CHECK(q.expire(9).empty());
  CHECK(q.expire(20) == std::vector<std::string>{"first", "second"});
  CHECK(q.next() == 30);
  CHECK(q.size() == 1);
}

TEST_CASE("a cancelled deadline never falls due") {
  deadline_queue<int, std::string> q;
  auto h = q.add(10, "cancelled");
  q.add(15, "kept");
  q.cancel(h);
  CHECK(q.expire(100) == std::vector<std::string>{"kept"});
  CHECK_FALSE(q.next());
}
