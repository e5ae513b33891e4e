// The hand-over between the I/O thread and the gateway actor.
#include "detail/batch_queue.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

using namespace troupe::http::detail;

TEST_CASE("only the push into an empty queue asks for a wake-up") {
  batch_queue<int> q;
  CHECK(q.push(1));
  CHECK_FALSE(q.push(2));
  CHECK_FALSE(q.push(3));
  CHECK(q.take() == std::vector<int>{1, 2, 3});
  CHECK(q.take().empty());
  CHECK(q.push(4));
}

TEST_CASE("items pushed from another thread all arrive, in order, with a wake per empty queue") {
  batch_queue<int> q;
  std::atomic<int> wakes{0};
  std::thread producer{[&] {
    for (int i = 0; i < 100000; ++i)
      if (q.push(i))
        ++wakes;
  }};
  std::vector<int> got;
  int takes_with_items = 0;
  while (got.size() < 100000) {
    auto batch = q.take();
    if (!batch.empty())
      ++takes_with_items;
    got.insert(got.end(), batch.begin(), batch.end());
  }
  producer.join();
  for (int i = 0; i < 100000; ++i)
    REQUIRE(got[static_cast<size_t>(i)] == i);
  // Each wake-up found the items pushed until the take that emptied it.
  CHECK(wakes.load() == takes_with_items);
}
