// The ready queue: higher priorities first, a fair share between groups
// within a priority, submission order within a group, kept per job type.
#include "supervisor/ready_queue.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>

using namespace troupe::detail;

namespace {

/// The type whose next job must start first, and that job.
std::pair<std::string, uint64_t> first_of(const ready_queue& q) {
  std::string type;
  int32_t priority = 0;
  uint64_t seq = 0;
  uint64_t turn = 0;
  q.for_each_type([&](const std::string& t, int32_t p, uint64_t s, uint64_t u) {
    if (type.empty() || ready_queue::before(p, u, s, priority, turn, seq)) {
      type = t;
      priority = p;
      seq = s;
      turn = u;
    }
  });
  return {type, seq};
}

} // namespace

TEST_CASE("the ready queue hands out higher priorities first, FIFO within a priority") {
  ready_queue q;
  q.push("echo", 5, "", 10);
  q.push("echo", 9, "", 12);
  q.push("sleep", 5, "", 3);
  q.push("echo", 0, "", 1);
  q.push("sleep", 9, "", 11);
  std::vector<uint64_t> order;
  while (!q.empty()) {
    auto [type, seq] = first_of(q);
    CHECK(q.pop(type) == seq);
    order.push_back(seq);
  }
  CHECK(order == std::vector<uint64_t>{11, 12, 3, 10, 1});
  CHECK(q.size() == 0);
}

TEST_CASE("the ready queue counts and hands out each type on its own") {
  ready_queue q;
  q.push("echo", 0, "", 1);
  q.push("resize", 9, "", 2);
  q.push("echo", 0, "", 3);
  CHECK(q.size() == 3);
  CHECK(q.size("echo") == 2);
  CHECK(q.size("resize") == 1);
  CHECK(q.size("mail") == 0);
  // With no worker for `resize`, echo jobs still go out in their order.
  CHECK(q.pop("echo") == 1);
  CHECK(q.pop("echo") == 3);
  CHECK(q.size("echo") == 0);
  int types = 0;
  q.for_each_type([&](const std::string& type, int32_t priority, uint64_t seq, uint64_t) {
    ++types;
    CHECK(type == "resize");
    CHECK(priority == 9);
    CHECK(seq == 2);
  });
  CHECK(types == 1);
}

TEST_CASE("a job erased from the ready queue is not handed out") {
  ready_queue q;
  q.push("echo", 5, "", 1);
  q.push("echo", 5, "", 2);
  CHECK(q.erase("echo", 5, "", 1));
  CHECK_FALSE(q.erase("echo", 5, "", 1));
  CHECK_FALSE(q.erase("sleep", 5, "", 2));
  CHECK(q.size() == 1);
  CHECK(q.pop("echo") == 2);
  CHECK(q.empty());
}

namespace {

/// The groups of the next `n` jobs of `type`, by the sequences pushed.
std::string turns(ready_queue& q, size_t n, const std::map<uint64_t, char>& group_of) {
  std::string out;
  for (size_t i = 0; i < n && !q.empty(); ++i)
    out += group_of.at(q.pop("echo"));
  return out;
}

} // namespace

TEST_CASE("groups of one priority take turns, FIFO within each") {
  ready_queue q;
  std::map<uint64_t, char> group_of;
  for (uint64_t seq = 0; seq < 6; ++seq) {
    q.push("echo", 5, "a", seq);
    group_of[seq] = 'a';
  }
  q.push("echo", 5, "b", 100);
  group_of[100] = 'b';
  q.push("echo", 5, "c", 101);
  group_of[101] = 'c';
  CHECK(q.pop("echo") == 0);
  CHECK(turns(q, 7, group_of) == "bcaaaaa");
}

TEST_CASE("a group's single job waits behind at most one turn of a large backlog") {
  ready_queue q;
  for (uint64_t seq = 0; seq < 100000; ++seq)
    q.push("echo", 5, "big", seq);
  q.pop("echo");
  q.push("echo", 5, "small", 1000000);
  CHECK(q.pop("echo") == 1); // the turn that began before it came
  CHECK(q.pop("echo") == 1000000);
}

TEST_CASE("weights give groups their share of the turns") {
  ready_queue q{[](const std::string& group) { return group == "a" ? 3u : 1u; }};
  std::map<uint64_t, char> group_of;
  for (uint64_t seq = 0; seq < 400; ++seq) {
    q.push("echo", 5, seq % 2 == 0 ? "a" : "b", seq);
    group_of[seq] = seq % 2 == 0 ? 'a' : 'b';
  }
  auto order = turns(q, 200, group_of);
  CHECK(std::count(order.begin(), order.end(), 'a') == 150);
  CHECK(order.substr(0, 8) == "aaabaaab");
}

TEST_CASE("priorities still come before groups") {
  ready_queue q;
  q.push("echo", 1, "a", 1);
  q.push("echo", 9, "b", 2);
  q.push("echo", 1, "c", 3);
  CHECK(q.pop("echo") == 2);
  CHECK(q.pop("echo") == 1);
  CHECK(q.pop("echo") == 3);
}

TEST_CASE("a group whose last job is erased leaves its turn to the next") {
  ready_queue q;
  q.push("echo", 5, "a", 1);
  q.push("echo", 5, "b", 2);
  CHECK(q.erase("echo", 5, "a", 1));
  CHECK(q.pop("echo") == 2);
  CHECK(q.empty());
}

TEST_CASE("a blocked group's jobs wait, in their places, while others go") {
  ready_queue q;
  q.push("echo", 5, "a", 1);
  q.push("echo", 5, "a", 2);
  q.push("echo", 5, "b", 3);
  q.push("echo", 1, "c", 4);
  q.block("a");
  CHECK(first_of(q).second == 3);
  CHECK(q.pop("echo") == 3);
  // Only a lower priority is left to go while "a" is blocked.
  CHECK(first_of(q).second == 4);
  q.push("echo", 5, "a", 5); // still blocked
  CHECK(first_of(q).second == 4);
  q.unblock("a");
  CHECK(q.pop("echo") == 1);
  CHECK(q.pop("echo") == 2);
  CHECK(q.pop("echo") == 5);
  CHECK(q.pop("echo") == 4);
  CHECK(q.size("echo") == 0);
}

TEST_CASE("a type whose every ready job is blocked offers none") {
  ready_queue q;
  q.push("echo", 5, "a", 1);
  q.block("a");
  int offered = 0;
  q.for_each_type([&](const std::string&, int32_t, uint64_t, uint64_t) { ++offered; });
  CHECK(offered == 0);
  CHECK(q.size() == 1);
  CHECK(q.erase("echo", 5, "a", 1));
  q.unblock("a");
  CHECK(q.empty());
}

TEST_CASE("between types of one priority, the group whose turn is older goes first") {
  ready_queue q;
  for (uint64_t seq = 1; seq <= 4; ++seq)
    q.push("sleep", 5, "a", seq);
  q.push("mail", 5, "c", 5);
  CHECK(q.pop("sleep") == 1);
  // b joins behind c, which waits, but before a, whose turn just was:
  // although b's job is the youngest and of another type (queued apart).
  q.push("echo", 5, "b", 9);
  CHECK(first_of(q) == std::pair<std::string, uint64_t>{"mail", 5});
  CHECK(q.pop("mail") == 5);
  CHECK(first_of(q) == std::pair<std::string, uint64_t>{"echo", 9});
  CHECK(q.pop("echo") == 9);
  CHECK(first_of(q) == std::pair<std::string, uint64_t>{"sleep", 2});
  // Priority still comes first.
  q.push("mail", 7, "c", 11);
  CHECK(first_of(q) == std::pair<std::string, uint64_t>{"mail", 11});
}

TEST_CASE("a blocked group with nothing ready is forgotten, so that its next job is offered") {
  ready_queue q;
  q.push("echo", 5, "a", 1);
  q.push("echo", 5, "b", 2);
  q.block("a");
  q.block("b");
  CHECK(q.blocked_groups() == 2);
  q.push("echo", 3, "a", 3); // another level of a blocked group: held back too
  CHECK(q.size() == 3);
  int offered = 0;
  q.for_each_type([&](const std::string&, int32_t, uint64_t, uint64_t) { ++offered; });
  CHECK(offered == 0);
  CHECK(q.erase("echo", 5, "a", 1));
  CHECK(q.erase("echo", 3, "a", 3));
  CHECK_FALSE(q.blocked("a"));
  CHECK(q.blocked_groups() == 1);
  q.push("echo", 5, "a", 4);
  CHECK(first_of(q).second == 4);
  q.unblock_all();
  CHECK(q.blocked_groups() == 0);
  CHECK(q.pop("echo") == 4);
  CHECK(q.pop("echo") == 2);
}
