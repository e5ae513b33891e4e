// The write-behind batch: writes, orders and submissions leave together, and
// submissions wait for the journal's answer on their batch.
#include "supervisor/write_behind.hpp"

#include <catch2/catch.hpp>

using namespace troupe;
using namespace troupe::detail;

namespace {

pending_submit submission(const std::string& id) {
  pending_submit s;
  s.outcomes.push_back(submit_outcome{id, true, {}, {}});
  return s;
}

} // namespace

TEST_CASE("a flush is asked for once per batch") {
  write_behind writes;
  CHECK(writes.needs_flush());
  CHECK_FALSE(writes.needs_flush());
  writes.take();
  CHECK(writes.needs_flush());
}

TEST_CASE("an empty batch is not taken") {
  write_behind writes;
  CHECK_FALSE(writes.take());
  CHECK(writes.idle());
}

TEST_CASE("a start followed by its finish is one write") {
  write_behind writes;
  writes.add(attempt_started{4, 1, 100, "worker-1"});
  writes.add_finish(job_finished{4, job_status::success, "1", {}, 200, 1, 100, "worker-1"});
  auto batch = writes.take();
  REQUIRE(batch);
  REQUIRE(batch->writes.size() == 1);
  auto* finish = std::get_if<job_finished>(&batch->writes[0]);
  REQUIRE(finish != nullptr);
  CHECK(finish->attempts == 1);
  CHECK(finish->result == "1");
}

TEST_CASE("a finish after another job's write is a write of its own") {
  write_behind writes;
  writes.add(attempt_started{4, 1, 100, "worker-1"});
  writes.add(attempt_started{5, 1, 100, "worker-2"});
  writes.add_finish(job_finished{4, job_status::failed, {}, "boom", 200, 1, 100, "worker-1"});
  auto batch = writes.take();
  REQUIRE(batch->writes.size() == 3);
  CHECK(std::holds_alternative<attempt_started>(batch->writes[0]));
  auto* finish = std::get_if<job_finished>(&batch->writes[2]);
  REQUIRE(finish != nullptr);
  CHECK(finish->seq == 4);
}

TEST_CASE("submissions wait until the journal answers for their batch") {
  write_behind writes;
  auto first = writes.sent({{submission("a")}, {}});
  auto second = writes.sent({{submission("b"), submission("c")}, {}});
  CHECK_FALSE(writes.idle());
  auto done = writes.answered(first);
  REQUIRE(done.submits.size() == 1);
  CHECK(done.submits[0].outcomes[0].id == "a");
  CHECK(writes.answered(first).empty());
  CHECK(writes.answered(second).submits.size() == 2);
  CHECK(writes.idle());
}

TEST_CASE("a limit change waits for its batch like a submission") {
  write_behind writes;
  writes.add(limit_set{"tenant-a", group_limit{}});
  writes.add_limit_change(pending_limit_change{{}, "tenant-a", std::nullopt, "{}"});
  auto batch = writes.take();
  REQUIRE(batch);
  CHECK(batch->writes.size() == 1);
  auto number = writes.sent(std::move(batch->waiters));
  CHECK_FALSE(writes.idle());
  auto done = writes.answered(number);
  REQUIRE(done.limit_changes.size() == 1);
  CHECK(done.limit_changes[0].group == "tenant-a");
  CHECK(done.submits.empty());
  CHECK(writes.idle());
}

TEST_CASE("the store's health changes are reported once") {
  write_behind writes;
  CHECK_FALSE(writes.record({}));
  CHECK(writes.record("disk full"));
  CHECK_FALSE(writes.record("disk full"));
  CHECK(writes.store_error() == "disk full");
  CHECK(writes.record({}));
  CHECK(writes.store_error().empty());
}
