// The ready queue: higher priorities first, submission order within one.
#include "detail/ready_queue.hpp"

#include <catch2/catch.hpp>

using namespace troupe::detail;

TEST_CASE("the ready queue hands out higher priorities first, FIFO within a priority") {
  ready_queue q;
  q.push(5, 10);
  q.push(9, 12);
  q.push(5, 3);
  q.push(0, 1);
  q.push(9, 11);
  CHECK(q.top_priority() == 9);
  std::vector<uint64_t> order;
  while (!q.empty())
    order.push_back(q.pop());
  CHECK(order == std::vector<uint64_t>{11, 12, 3, 10, 1});
  CHECK_FALSE(q.top_priority());
}

TEST_CASE("a job erased from the ready queue is not handed out") {
  ready_queue q;
  q.push(5, 1);
  q.push(5, 2);
  CHECK(q.erase(5, 1));
  CHECK_FALSE(q.erase(5, 1));
  CHECK(q.size() == 1);
  CHECK(q.pop() == 2);
}
