// The hand-over between a worker actor and its runner thread, and when the
// runner's reports go out.
#include "worker/run_queue.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

using namespace troupe::detail;
using namespace std::chrono_literals;

namespace {

std::vector<run_order> orders(std::initializer_list<uint64_t> leases) {
  std::vector<run_order> result;
  for (auto lease : leases)
    result.push_back(run_order{lease, 0, "id", 1, "echo", "null", 0, lease});
  return result;
}

run_result success(uint64_t lease) {
  return run_result{lease, 0, static_cast<uint8_t>(run_outcome::success), "null", 5};
}

/// A queue whose reports and tick requests are kept for the test to read.
struct recorded_queue {
  explicit recorded_queue(size_t flush_every, std::chrono::milliseconds delay = 1h)
      : q(
        flush_every, delay,
        [this](run_report&& r) {
          sent.push_back(std::move(r));
          ++reports;
        },
        [this] { ++ticks_armed; }) {}

  /// Waits until `n` reports went out (from a runner thread).
  void await_reports(int n) {
    while (reports.load() < n)
      std::this_thread::yield();
  }

  std::vector<run_report> sent;
  std::atomic<int> reports{0};
  std::atomic<int> ticks_armed{0};
  run_queue q;
};

std::vector<uint64_t> leases_of(const run_report& r) {
  std::vector<uint64_t> leases;
  for (auto& f : r.finished)
    leases.push_back(f.lease);
  return leases;
}

} // namespace

TEST_CASE("the runner takes orders in the order they came") {
  recorded_queue rq{1};
  rq.q.push(orders({1, 2, 3}));
  CHECK(rq.q.next({})->order.lease == 1);
  CHECK(rq.q.next(success(1))->order.lease == 2);
  CHECK(rq.q.next(success(2))->order.lease == 3);
}

TEST_CASE("a worker runs what it holds by priority, then in submission order") {
  recorded_queue rq{1};
  auto batch = orders({1, 2, 3, 4});
  batch[0].priority = 1;
  batch[1].priority = 5;
  batch[2].priority = 9;
  batch[3].priority = 5;
  rq.q.push(batch);
  auto later = orders({5});
  later[0].priority = 9;
  rq.q.push(later);
  std::vector<uint64_t> taken{rq.q.next({})->order.lease};
  for (int i = 0; i < 4; ++i)
    taken.push_back(rq.q.next(success(taken.back()))->order.lease);
  CHECK(taken == std::vector<uint64_t>{3, 5, 2, 4, 1});
}

TEST_CASE("orders of one group and priority run in submission order, whatever order they came in") {
  recorded_queue rq{1};
  auto late = orders({4, 5});
  late[0].seq = 1; // withdrawn earlier and handed out again
  late[1].seq = 9;
  rq.q.push(orders({2, 3}));
  rq.q.push(late);
  std::vector<uint64_t> taken{rq.q.next({})->order.lease};
  for (int i = 0; i < 3; ++i)
    taken.push_back(rq.q.next(success(taken.back()))->order.lease);
  CHECK(taken == std::vector<uint64_t>{4, 2, 3, 5});
}

TEST_CASE("orders of one priority but other groups keep the order the supervisor gave") {
  recorded_queue rq{1};
  auto a = orders({2, 3});
  for (auto& order : a)
    order.group = "a";
  auto b = orders({4});
  b[0].group = "b";
  b[0].seq = 1; // submitted before a's, but its group's turn comes after them
  rq.q.push(a);
  rq.q.push(b);
  std::vector<uint64_t> taken{rq.q.next({})->order.lease};
  for (int i = 0; i < 2; ++i)
    taken.push_back(rq.q.next(success(taken.back()))->order.lease);
  CHECK(taken == std::vector<uint64_t>{2, 3, 4});
}

TEST_CASE("a withdrawal gives back unstarted orders only") {
  recorded_queue rq{1};
  rq.q.push(orders({1, 2, 3}));
  auto started = rq.q.next({});
  CHECK(rq.q.withdraw({1, 3, 9}) == std::vector<uint64_t>{3});
  CHECK(rq.q.next(success(1))->order.lease == 2);
  CHECK(started->order.lease == 1);
}

TEST_CASE("a stop raises the token of a running order") {
  recorded_queue rq{1};
  rq.q.push(orders({1}));
  auto running = rq.q.next({});
  CHECK_FALSE(running->token->cancelled());
  rq.q.stop({1});
  CHECK(running->token->cancelled());
}

TEST_CASE("a stop that overtakes its order makes the order arrive stopped") {
  recorded_queue rq{1};
  rq.q.push(orders({1}));
  rq.q.stop({3});
  rq.q.push(orders({2, 3}));
  CHECK_FALSE(rq.q.next({})->token->cancelled());
  CHECK_FALSE(rq.q.next(success(1))->token->cancelled());
  CHECK(rq.q.next(success(2))->token->cancelled());
}

TEST_CASE("a stop of a lease already done is forgotten") {
  recorded_queue rq{1};
  rq.q.push(orders({1, 2}));
  rq.q.stop({1});
  auto first = rq.q.next({});
  CHECK(first->token->cancelled());
  // Lease 1 is done; a late stop of it must not stop a later order.
  rq.q.stop({1});
  rq.q.push(orders({3}));
  CHECK_FALSE(rq.q.next(success(1))->token->cancelled());
  CHECK_FALSE(rq.q.next(success(2))->token->cancelled());
}

TEST_CASE("closing the queue raises the token of the running job") {
  recorded_queue rq{1};
  rq.q.push(orders({1}));
  auto running = rq.q.next({});
  rq.q.close();
  CHECK(running->token->cancelled());
}

TEST_CASE("closing the queue wakes a runner waiting for work") {
  recorded_queue rq{1};
  rq.q.push(orders({1}));
  rq.q.next({});
  // Whether the runner waits already or arrives after the close, it gets
  // nothing more to run.
  std::optional<held_order> after_close{held_order{}};
  std::thread runner{[&] { after_close = rq.q.next(success(1)); }};
  rq.q.close();
  runner.join();
  CHECK_FALSE(after_close);
}

TEST_CASE("a start after an idle spell is reported at once") {
  recorded_queue rq{4};
  rq.q.push(orders({1}));
  rq.q.next({});
  REQUIRE(rq.sent.size() == 1);
  CHECK(rq.sent[0].started == 1);
  CHECK(rq.sent[0].finished.empty());
}

TEST_CASE("a busy runner reports finished attempts in batches, and all before it idles") {
  recorded_queue rq{2};
  rq.q.push(orders({1, 2, 3, 4, 5}));
  rq.q.next({});         // starts 1: reported at once
  rq.q.next(success(1)); // 1 done, 2 starts: one result pending
  CHECK(rq.sent.size() == 1);
  rq.q.next(success(2)); // two results: a batch goes out with 3 started
  REQUIRE(rq.sent.size() == 2);
  CHECK(leases_of(rq.sent[1]) == std::vector<uint64_t>{1, 2});
  CHECK(rq.sent[1].started == 3);
  rq.q.next(success(3)); // 4 starts, 5 waits: the batch can still fill
  CHECK(rq.sent.size() == 2);
  rq.q.push(orders({6}));
  std::thread runner{[&] { rq.q.next(success(4)); }};
  runner.join(); // 6 was there: the runner took 5
  CHECK(leases_of(rq.sent.back()) == std::vector<uint64_t>{3, 4});
  CHECK(rq.sent.back().started == 5);
}

TEST_CASE("a batch that the jobs held cannot fill goes out at once") {
  recorded_queue rq{4};
  rq.q.push(orders({1, 2}));
  rq.q.next({});         // 1 starts: reported
  rq.q.next(success(1)); // 2 starts; at most 2 results can wait, not 4
  REQUIRE(rq.sent.size() == 2);
  CHECK(leases_of(rq.sent[1]) == std::vector<uint64_t>{1});
  CHECK(rq.sent[1].started == 2);
  CHECK(rq.ticks_armed == 0);
}

TEST_CASE("a report waiting behind a long job goes out on the worker's tick") {
  recorded_queue rq{2, 0ms};
  rq.q.push(orders({1, 2, 3}));
  rq.q.next({});
  rq.sent.clear();
  // 0 ms delay: the start of 2 goes out with 1's result at once.
  rq.q.next(success(1));
  CHECK(rq.sent.size() == 1);
  CHECK(rq.ticks_armed == 0);
  recorded_queue slow{3, 1h};
  slow.q.push(orders({1, 2, 3, 4}));
  slow.q.next({});
  slow.q.next(success(1)); // 2 starts while 1's result waits: a tick is armed
  CHECK(slow.ticks_armed == 1);
  slow.q.next(success(2)); // armed already
  CHECK(slow.ticks_armed == 1);
  auto reports = slow.sent.size();
  CHECK(slow.q.tick()); // young: kept, and the tick goes on
  CHECK(slow.sent.size() == reports);
}

TEST_CASE("a runner that finishes and idles arms no tick") {
  recorded_queue rq{8};
  rq.q.push(orders({1}));
  rq.q.next({}); // 1 starts: reported at once
  for (uint64_t lease = 2; lease <= 4; ++lease) {
    // The runner finishes its job with nothing queued: it reports and idles.
    std::thread runner{[&] { rq.q.next(success(lease - 1)); }};
    rq.await_reports(2 * static_cast<int>(lease) - 2);
    rq.q.push(orders({lease}));
    runner.join();
  }
  CHECK(rq.ticks_armed == 0);
  CHECK(leases_of(rq.sent.back()).empty());
  CHECK(rq.sent.back().started == 4);
}

TEST_CASE("a tick that sends the waiting results stops ticking") {
  recorded_queue rq{2, 0ms};
  rq.q.push(orders({1, 2, 3}));
  rq.q.next({});
  rq.q.next(success(1));
  // With no delay the result went out with the start: nothing waits.
  CHECK_FALSE(rq.q.tick());
}

TEST_CASE("a worker fault is reported at once and ends the runner") {
  recorded_queue rq{8};
  rq.q.push(orders({1, 2}));
  rq.q.next({});
  auto fault = run_result{1, 0, static_cast<uint8_t>(run_outcome::worker_fault), "boom", 1};
  CHECK_FALSE(rq.q.next(fault));
  CHECK(leases_of(rq.sent.back()) == std::vector<uint64_t>{1});
}
