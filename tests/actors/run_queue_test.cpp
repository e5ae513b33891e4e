// The hand-over between a worker actor and its runner thread.
#include "detail/run_queue.hpp"

#include <catch2/catch.hpp>

#include <thread>

using namespace troupe::detail;

namespace {

std::vector<run_order> orders(std::initializer_list<uint64_t> leases) {
  std::vector<run_order> result;
  for (auto lease : leases)
    result.push_back(run_order{lease, "id", 1, "echo", "null"});
  return result;
}

} // namespace

TEST_CASE("the runner takes orders in the order they came") {
  run_queue q;
  q.push(orders({1, 2, 3}));
  CHECK(q.take()->order.lease == 1);
  CHECK(q.take()->order.lease == 2);
  CHECK_FALSE(q.idle());
  CHECK(q.take()->order.lease == 3);
  CHECK(q.idle());
}

TEST_CASE("a withdrawal gives back unstarted orders only") {
  run_queue q;
  q.push(orders({1, 2, 3}));
  auto started = q.take();
  CHECK(q.withdraw({1, 3, 9}) == std::vector<uint64_t>{3});
  CHECK(q.take()->order.lease == 2);
  CHECK(q.idle());
  CHECK(started->order.lease == 1);
}

TEST_CASE("a stop raises the token of a running order") {
  run_queue q;
  q.push(orders({1}));
  auto running = q.take();
  CHECK_FALSE(running->token->cancelled());
  q.stop({1});
  CHECK(running->token->cancelled());
}

TEST_CASE("closing the queue wakes a waiting runner and raises running tokens") {
  run_queue q;
  q.push(orders({1}));
  auto running = q.take();
  std::optional<held_order> after_close{held_order{}};
  std::thread runner{[&] { after_close = q.take(); }};
  q.close();
  runner.join();
  CHECK_FALSE(after_close);
  CHECK(running->token->cancelled());
}
