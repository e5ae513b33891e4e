// The ready queue: higher priorities first, submission order within one,
// kept per job type.
#include "supervisor/ready_queue.hpp"

#include <catch2/catch.hpp>

using namespace troupe::detail;

namespace {

/// The type whose next job must start first, and that job.
std::pair<std::string, uint64_t> first_of(const ready_queue& q) {
  std::string type;
  int32_t priority = 0;
  uint64_t seq = 0;
  q.for_each_type([&](const std::string& t, int32_t p, uint64_t s) {
    if (type.empty() || ready_queue::before(p, s, priority, seq)) {
      type = t;
      priority = p;
      seq = s;
    }
  });
  return {type, seq};
}

} // namespace

TEST_CASE("the ready queue hands out higher priorities first, FIFO within a priority") {
  ready_queue q;
  q.push("echo", 5, 10);
  q.push("echo", 9, 12);
  q.push("sleep", 5, 3);
  q.push("echo", 0, 1);
  q.push("sleep", 9, 11);
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
  q.push("echo", 0, 1);
  q.push("resize", 9, 2);
  q.push("echo", 0, 3);
  CHECK(q.size() == 3);
  CHECK(q.size("echo") == 2);
  CHECK(q.size("resize") == 1);
  CHECK(q.size("mail") == 0);
  // With no worker for `resize`, echo jobs still go out in their order.
  CHECK(q.pop("echo") == 1);
  CHECK(q.pop("echo") == 3);
  CHECK(q.size("echo") == 0);
  int types = 0;
  q.for_each_type([&](const std::string& type, int32_t priority, uint64_t seq) {
    ++types;
    CHECK(type == "resize");
    CHECK(priority == 9);
    CHECK(seq == 2);
  });
  CHECK(types == 1);
}

TEST_CASE("a job erased from the ready queue is not handed out") {
  ready_queue q;
  q.push("echo", 5, 1);
  q.push("echo", 5, 2);
  CHECK(q.erase("echo", 5, 1));
  CHECK_FALSE(q.erase("echo", 5, 1));
  CHECK_FALSE(q.erase("sleep", 5, 2));
  CHECK(q.size() == 1);
  CHECK(q.pop("echo") == 2);
  CHECK(q.empty());
}
