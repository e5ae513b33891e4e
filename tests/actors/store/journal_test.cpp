// The journal between the supervisor and the store: nothing is acknowledged
// before it is committed, a last attempt starts only once its start is, a job
// only held by a worker is stored untouched, commits are shared, and a store
// that refuses a write refuses the submission instead of losing it.
#include "support/engine_fixture.hpp"
#include "support/server_process.hpp"

#include <troupe/protocol.hpp>
#include <troupe/store.hpp>

#include <caf/all.hpp>

using namespace troupe;
using namespace troupe::test;

namespace {

stored_job require_stored(store& s, const std::string& id) {
  auto found = s.find(id);
  REQUIRE(found);
  REQUIRE(*found);
  return **found;
}

} // namespace

TEST_CASE_METHOD(engine_fixture, "a submission is acknowledged only once its job is stored") {
  auto jobs = *open_store("memory");
  auto cfg = config();
  cfg.store = jobs;
  job_options later;
  later.delay_ms = 60000;
  start(cfg);
  for (int i = 0; i < 50; ++i) {
    auto id = submit("echo", i, later);
    auto row = require_stored(*jobs, id);
    CHECK(row.payload == std::to_string(i));
    CHECK(row.ready_at_ms == row.created_at_ms + 60000);
  }
}

TEST_CASE("a last attempt starts only once its start is stored") {
  scratch_dir dir;
  auto jobs = *open_store(dir.sqlite_store());
  engine_config cfg;
  cfg.store = jobs;
  cfg.workers = 2;
  cfg.prefetch = 2;
  engine eng{cfg};
  std::mutex mtx;
  std::vector<std::string> problems;
  eng.handlers().add("audit", [&](job_context& ctx) -> nlohmann::json {
    auto row = jobs->find(ctx.id());
    std::lock_guard<std::mutex> guard{mtx};
    if (!row || !*row)
      problems.push_back(ctx.id() + " not stored");
    else if ((*row)->status != job_status::running || (*row)->attempts != ctx.attempt())
      problems.push_back(ctx.id() + " stored as " + to_string((*row)->status) + " attempt "
                         + std::to_string((*row)->attempts));
    return nullptr;
  });
  REQUIRE_FALSE(eng.start());
  job_options last;
  last.max_attempts = 1;
  std::vector<std::string> ids;
  for (int i = 0; i < 200; ++i)
    ids.push_back(eng.submit("audit", nullptr, last)->id);
  for (auto& id : ids)
    CHECK(eng.wait(id, std::chrono::seconds{10})->status == job_status::success);
  std::lock_guard<std::mutex> guard{mtx};
  CHECK(problems.empty());
}

TEST_CASE_METHOD(engine_fixture, "a job a worker only holds stays pending in the store") {
  scratch_dir dir;
  auto jobs = *open_store(dir.sqlite_store());
  auto cfg = config();
  cfg.prefetch = 4;
  cfg.store = jobs;
  start(cfg);
  auto running = submit("block");
  REQUIRE(started.wait_for(1));
  std::vector<std::string> held;
  for (int i = 0; i < 3; ++i)
    held.push_back(submit("echo", i));
  // The start of `running` is stored by now: its report came before the
  // later submissions' inserts, which are stored, since they were answered.
  submit("echo", 99);
  REQUIRE(eng->stats()->workers.busy == 1);
  auto row = require_stored(*jobs, running);
  CHECK(row.status == job_status::running);
  CHECK(row.attempts == 1);
  for (auto& id : held) {
    auto waiting = require_stored(*jobs, id);
    CHECK(waiting.status == job_status::pending);
    CHECK(waiting.attempts == 0);
    CHECK_FALSE(waiting.started_at_ms);
  }
  release.open();
  for (auto& id : held)
    CHECK(finish(id).attempts == 1);
}

TEST_CASE_METHOD(engine_fixture, "submissions that arrive together share a commit") {
  scratch_dir dir;
  start_on(dir.sqlite_store());
  constexpr int submissions = 2000;
  job_options later;
  later.delay_ms = 3600 * 1000;
  caf::scoped_actor self{eng->system()};
  for (int i = 0; i < submissions; ++i)
    self->send(eng->supervisor(), submit_atom::value, std::string{"echo"}, std::string{"1"}, later);
  int acknowledged = 0;
  self->receive_for(acknowledged, submissions)([](const std::string&, bool) {},
                                               [](const caf::error& err) { FAIL(describe(err)); });
  auto counters = stats();
  CHECK(counters.jobs.pending == submissions);
  CHECK(counters.store.writes >= submissions);
  CHECK(counters.store.commits <= submissions / 4);
}

TEST_CASE_METHOD(engine_fixture,
                 "a submission the store cannot record fails with store_unavailable") {
  scratch_dir dir;
  store_options small;
  small.max_bytes = 256 * 1024;
  auto jobs = *open_store(dir.sqlite_store(), small);
  auto cfg = config();
  cfg.store = jobs;
  start(cfg);
  auto accepted = submit("echo", {{"n", 1}});
  CHECK(finish(accepted).status == job_status::success);

  auto too_big = eng->submit("echo", std::string(512 * 1024, 'x'));
  REQUIRE_FALSE(too_big);
  CHECK(is_troupe_error(too_big.error(), errc::store_unavailable));
  auto during = stats();
  CHECK_FALSE(during.store.healthy);
  CHECK(during.store.failures == 1);
  CHECK(during.submitted_total == 1);
  CHECK(status(accepted).status == job_status::success);

  auto after = submit("echo", {{"n", 2}});
  CHECK(finish(after).status == job_status::success);
  CHECK(stats().store.healthy);
  CHECK(*jobs->count() == 2);
}
