// Finished jobs leave the engine's memory: the store answers for them until
// their TTL, with either store, after a restart too.
#include "support/engine_fixture.hpp"
#include "support/server_process.hpp"

#include <troupe/protocol.hpp>

#include <caf/all.hpp>

using namespace troupe;
using namespace troupe::test;

namespace {

void check_answered_from_store(engine_fixture& f, const std::vector<std::string>& ids) {
  for (auto& id : ids) {
    CHECK(f.status(id).status == job_status::success);
    CHECK(f.eng->wait(id, 5s)->status == job_status::success);
  }
  caf::scoped_actor watcher{f.eng->system()};
  watcher->request(f.eng->supervisor(), std::chrono::seconds{10}, watch_atom::value, ids.front())
    .receive([](caf::ok_atom) {}, [&](caf::error& err) { FAIL(describe(err)); });
  watcher->receive(
    [&](finished_atom, std::string& json) {
      CHECK(job_info::from_json(json).status == job_status::success);
    },
    caf::after(std::chrono::seconds{10}) >> [] { FAIL("no finished message"); });
}

} // namespace

TEST_CASE_METHOD(engine_fixture,
                 "a finished job leaves memory and is answered from the store until its TTL") {
  auto run = [this](const std::string& spec) {
    INFO(spec);
    auto cfg = config();
    cfg.result_ttl = 60s;
    cfg.recent_results = 0; // every answer from the store
    cfg.store = *open_store(spec);
    start(cfg);
    std::vector<std::string> ids;
    for (int i = 0; i < 50; ++i)
      ids.push_back(submit("echo", i));
    for (auto& id : ids)
      finish(id);
    auto s = stats();
    CHECK(s.memory.jobs == 0);
    CHECK(s.memory.finished == 50);
    CHECK(s.jobs.success == 50);
    check_answered_from_store(*this, ids);
    clock->advance(60s);
    CHECK(stats().memory.finished == 0);
    CHECK(is_troupe_error(eng->status(ids.front()).error(), errc::not_found));
    stop(0ms);
  };
  scratch_dir dir;
  run("memory");
  run(dir.sqlite_store());
}

TEST_CASE_METHOD(engine_fixture,
                 "recently finished jobs are answered from memory, within a fixed bound") {
  auto cfg = config();
  cfg.recent_results = 10;
  cfg.store = *open_store("memory");
  start(cfg);
  std::vector<std::string> ids;
  for (int i = 0; i < 30; ++i)
    ids.push_back(submit("echo", i));
  for (auto& id : ids)
    finish(id);
  // The store loses a row only at a purge: drop them all behind the engine's
  // back, and only the last ten are still answered, from memory.
  REQUIRE_FALSE(cfg.store->apply({results_purged{std::numeric_limits<int64_t>::max()}}));
  for (size_t i = 0; i < ids.size(); ++i) {
    auto job = eng->status(ids[i]);
    INFO(i);
    CHECK(static_cast<bool>(job) == (i >= 20));
  }
  CHECK(is_troupe_error(eng->cancel(ids.back()).error(), errc::already_terminal));
}

TEST_CASE_METHOD(engine_fixture,
                 "a job finished before a restart is answered from the store after it") {
  scratch_dir dir;
  start_on(dir.sqlite_store());
  std::vector<std::string> ids{submit("echo", 1), submit("echo", 2)};
  for (auto& id : ids)
    finish(id);
  stop(1s);
  start_on(dir.sqlite_store());
  CHECK(stats().memory.jobs == 0);
  check_answered_from_store(*this, ids);
}
