// The lease table: which worker holds which job, and which leases the
// supervisor asks back to keep priorities honest.
#include "supervisor/lease_table.hpp"

#include <catch2/catch.hpp>

using namespace troupe::detail;

TEST_CASE("leases are unique and a worker's list keeps their order") {
  lease_table t{2};
  auto a = t.grant(0, 100, 5);
  auto b = t.grant(0, 101, 5);
  auto c = t.grant(1, 102, 5);
  CHECK(a != b);
  CHECK(b != c);
  CHECK(t.of(0) == std::deque<uint64_t>{a, b});
  CHECK(t.load(0) == 2);
  CHECK(t.load(1) == 1);
  auto released = t.release(a);
  REQUIRE(released);
  CHECK(released->seq == 100);
  CHECK_FALSE(t.release(a));
  CHECK(t.of(0) == std::deque<uint64_t>{b});
}

TEST_CASE("a worker is busy once one of its leases started") {
  lease_table t{1};
  auto a = t.grant(0, 1, 5);
  CHECK_FALSE(t.busy(0));
  REQUIRE(t.start(a));
  CHECK(t.busy(0));
  CHECK(t.start(999) == nullptr);
}

TEST_CASE("only unstarted leases of lower priority are asked back") {
  lease_table t{2};
  auto running_low = t.grant(0, 1, 1);
  t.start(running_low);
  auto held_low = t.grant(0, 2, 1);
  auto held_same = t.grant(1, 3, 7);
  auto held_lower = t.grant(1, 4, 2);
  // A job of priority 7 submitted after job 3: only lower priorities wait after it.
  CHECK(t.holds_unstarted_after(7, 10));
  CHECK_FALSE(t.holds_unstarted_after(1, 10));
  auto taken = t.withdraw_after(7, 10);
  CHECK(taken[0] == std::vector<uint64_t>{held_low});
  CHECK(taken[1] == std::vector<uint64_t>{held_lower});
  CHECK(t.find(held_same)->withdrawing == false);
  // Being withdrawn, they no longer count towards room, nor are asked twice.
  CHECK(t.load(0) == 1);
  CHECK(t.load(1) == 1);
  CHECK_FALSE(t.holds_unstarted_after(7, 10));
  CHECK(t.withdraw_after(9, 10)[1] == std::vector<uint64_t>{held_same});
}

TEST_CASE("held leases of the same priority submitted later are asked back for an older job") {
  lease_table t{1};
  t.start(t.grant(0, 1, 5));
  auto older = t.grant(0, 4, 5);
  auto younger = t.grant(0, 6, 5);
  // Job 5 became ready (handed back, say): job 6 must not start before it.
  CHECK(t.holds_unstarted_after(5, 5));
  CHECK_FALSE(t.holds_unstarted_after(5, 6));
  auto taken = t.withdraw_after(5, 5);
  CHECK(taken[0] == std::vector<uint64_t>{younger});
  CHECK_FALSE(t.find(older)->withdrawing);
  CHECK_FALSE(t.holds_unstarted_after(5, 5));
}

TEST_CASE("an idle worker takes the best job waiting behind another worker's running one") {
  lease_table t{3};
  auto t0 = std::chrono::steady_clock::time_point{};
  auto running = t.grant(0, 1, 5);
  t.start(running, t0);
  t.grant(0, 2, 3);
  auto best = t.grant(0, 3, 8);
  t.grant(0, 4, 8);
  auto front_of_idle_worker = t.grant(1, 5, 9); // next in line on its own worker
  (void)front_of_idle_worker;
  // Not while the running job is young: a quick job is not robbed.
  CHECK_FALSE(
    t.withdraw_one_for(2, std::chrono::milliseconds{20}, t0 + std::chrono::milliseconds{5}));
  auto taken =
    t.withdraw_one_for(2, std::chrono::milliseconds{20}, t0 + std::chrono::milliseconds{25});
  REQUIRE(taken);
  CHECK(taken->first == 0);
  CHECK(taken->second == best);
  CHECK(t.find(best)->withdrawing);
}

TEST_CASE("leases are asked back only from the slots and for the jobs a filter accepts") {
  lease_table t{2};
  auto t0 = std::chrono::steady_clock::time_point{};
  t.start(t.grant(0, 1, 5), t0);
  auto on_first = t.grant(0, 2, 1);
  auto on_second = t.grant(1, 3, 1);
  auto taken = t.withdraw_after(9, 10, [](size_t slot) { return slot == 1; });
  CHECK(taken[0].empty());
  CHECK(taken[1] == std::vector<uint64_t>{on_second});
  // An idle worker that cannot run job 2 takes nothing.
  auto later = t0 + std::chrono::seconds{1};
  CHECK_FALSE(t.withdraw_one_for(1, std::chrono::milliseconds{20}, later,
                                 [](uint64_t seq) { return seq != 2; }));
  auto stolen = t.withdraw_one_for(1, std::chrono::milliseconds{20}, later,
                                   [](uint64_t seq) { return seq == 2; });
  REQUIRE(stolen);
  CHECK(stolen->second == on_first);
}

TEST_CASE("a lease that started while being withdrawn stays held") {
  lease_table t{1};
  t.start(t.grant(0, 1, 5));
  auto held = t.grant(0, 2, 1);
  t.withdraw_after(9, 10);
  REQUIRE(t.start(held));
  CHECK(t.find(held)->started);
  CHECK(t.release(held));
  CHECK(t.load(0) == 1);
}

TEST_CASE("a job handed out again does not ask back the same priority of other groups") {
  lease_table t{2};
  t.start(t.grant(0, 1, 5, "a"));
  auto other_group = t.grant(0, 9, 5, "b");
  auto own_group = t.grant(1, 8, 5, "a");
  // Job 3 of group "a" came back to the queue: only its own group's younger
  // job makes room; group "b" keeps its turn.
  CHECK(t.holds_unstarted_after(5, 3, "a"));
  CHECK_FALSE(t.holds_unstarted_after(5, 9, "b"));
  auto taken = t.withdraw_after(5, 3, nullptr, "a");
  CHECK(taken[0].empty());
  CHECK(taken[1] == std::vector<uint64_t>{own_group});
  CHECK(t.find(other_group)->withdrawing == false);
}

TEST_CASE("a group arriving behind another group's prefetched backlog gets one worker's queue") {
  lease_table t{2};
  t.start(t.grant(0, 1, 5, "a"));
  auto queued = {t.grant(0, 2, 5, "a"), t.grant(0, 3, 5, "a")};
  t.start(t.grant(1, 4, 5, "a"));
  auto lower = t.grant(1, 5, 4, "a");
  auto taken = t.make_room_for_group(5, "b");
  REQUIRE(taken.size() == 2);
  CHECK(taken[0] == std::vector<uint64_t>(queued));
  CHECK(taken[1].empty());
  CHECK(t.load(0) == 1);
  CHECK_FALSE(t.find(lower)->withdrawing);
  // Nothing more to make room from: slot 1 holds one lease of priority 5.
  for (auto& slot : t.make_room_for_group(5, "b"))
    CHECK(slot.empty());
}

TEST_CASE("no room is made for a group that has a queued job, or from queues of mixed groups") {
  lease_table t{2};
  t.start(t.grant(0, 1, 5, "a"));
  t.grant(0, 2, 5, "a");
  t.grant(0, 3, 5, "c");
  t.start(t.grant(1, 4, 5, "a"));
  t.grant(1, 5, 5, "b");
  t.grant(1, 6, 5, "b");
  // "b" has queued jobs of its own; for "d", slot 0 mixes "a" and "c" and
  // slot 1 holds only "b": slot 1 makes room.
  CHECK(t.make_room_for_group(5, "b").empty());
  auto taken = t.make_room_for_group(5, "d");
  CHECK(taken[0].empty());
  CHECK(taken[1].size() == 2);
}

TEST_CASE("room for a group is made behind a worker's first job, started or not yet reported") {
  lease_table t{1};
  auto first = t.grant(0, 1, 5); // its start not reported yet, of no group
  std::vector<uint64_t> queued{t.grant(0, 2, 5, "a"), t.grant(0, 3, 5, "a")};
  auto taken = t.make_room_for_group(5, "b");
  REQUIRE(taken.size() == 1);
  CHECK(taken[0] == queued);
  CHECK_FALSE(t.find(first)->withdrawing);
}
