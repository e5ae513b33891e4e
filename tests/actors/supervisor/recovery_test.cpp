// Recovery at start: an engine picks up the jobs its store holds, each in the
// state a crash could have left it in. The store is prepared row by row, so
// every state is tested exactly; the real crash is tests/app/crash_test.cpp.
#include "support/engine_fixture.hpp"
#include "support/server_process.hpp"

#include "job_id.hpp"

#include <troupe/protocol.hpp>
#include <troupe/store.hpp>

#include <caf/all.hpp>

using namespace troupe;
using namespace troupe::test;

namespace {

class recovery_fixture : public engine_fixture {
public:
  /// The epoch time of the manual clock, as the engine stores it.
  int64_t now_ms() { return to_epoch_ms(clock->now()); }

  /// A pending `record` job whose handler records `label`, with an id made
  /// as the engine makes them (see `id_of`).
  stored_job row(const std::string& label, uint64_t seq, int32_t priority = 5) {
    stored_job job;
    job.id = ids[label] = detail::format_job_id({seq, std::hash<std::string>{}(label)});
    const auto& id = label;
    job.seq = seq;
    job.type = "record";
    job.payload = nlohmann::json{{"label", id}}.dump();
    job.options.priority = priority;
    job.created_at_ms = now_ms() - 60000;
    job.ready_at_ms = job.created_at_ms;
    return job;
  }

  /// A `record` job that was running attempt `attempt` of `max_attempts`
  /// when the engine stopped.
  stored_job running_row(const std::string& id, uint64_t seq, int32_t attempt,
                         int32_t max_attempts) {
    auto job = row(id, seq);
    job.status = job_status::running;
    job.attempts = attempt;
    job.options.max_attempts = max_attempts;
    return job;
  }

  void put(std::vector<stored_job> rows) {
    std::vector<store_write> writes;
    for (auto& r : rows)
      writes.push_back(job_inserted{std::move(r)});
    REQUIRE_FALSE(jobs->apply(writes));
  }

  /// Starts the engine on the prepared store.
  void start_recovering(engine_config cfg) {
    cfg.store = jobs;
    start(std::move(cfg));
  }

  stored_job stored(const std::string& id) {
    auto found = jobs->find(id);
    REQUIRE(found);
    REQUIRE(*found);
    return **found;
  }

  /// Returns once every write the engine made so far is committed: a new
  /// submission's insert commits after them, and is acknowledged after that.
  void await_journal() { submit("echo"); }

  /// The id of the job made by `row(label, ...)`.
  const std::string& id_of(const std::string& label) { return ids.at(label); }

  std::map<std::string, std::string> ids;
  std::shared_ptr<store> jobs = *open_store("memory");
};

} // namespace

TEST_CASE_METHOD(recovery_fixture, "pending jobs resume in priority order, then FIFO") {
  put({row("first", 1), row("urgent", 2, 9), row("second", 3), row("low", 4, 0)});
  start_recovering(config());
  for (auto id : {"first", "urgent", "second", "low"})
    CHECK(finish(id_of(id)).status == job_status::success);
  CHECK(recorded_labels() == std::vector<std::string>{"urgent", "first", "second", "low"});
  CHECK(stats().recovered == 4);
}

TEST_CASE_METHOD(recovery_fixture, "a delayed job waits only for the rest of its delay") {
  auto delayed = row("delayed", 1);
  delayed.ready_at_ms = now_ms() + 2000;
  put({delayed});
  auto started_at = clock->now();
  start_recovering(config());
  CHECK(next_timer_within(1h) == started_at + 2s);
  CHECK(status(id_of("delayed")).status == job_status::pending);
  CHECK(stats().queue.delayed == 1);
  clock->advance(2s);
  CHECK(finish(id_of("delayed")).status == job_status::success);
}

TEST_CASE_METHOD(recovery_fixture,
                 "a job that was running runs again with the interrupted attempt counted") {
  put({running_row("running", 1, 1, 3)});
  start_recovering(config());
  auto job = finish(id_of("running"));
  CHECK(job.status == job_status::success);
  CHECK(job.attempts == 2);
  REQUIRE(job.error);
  CHECK_THAT(*job.error, Catch::Contains("interrupted"));
  await_journal();
  CHECK(stored(id_of("running")).status == job_status::success);
  CHECK(stored(id_of("running")).attempts == 2);
}

TEST_CASE_METHOD(recovery_fixture, "a job interrupted on its last attempt fails") {
  put({running_row("last", 1, 2, 2)});
  start_recovering(config());
  auto job = finish(id_of("last"));
  CHECK(job.status == job_status::failed);
  CHECK(job.attempts == 2);
  CHECK_THAT(*job.error, Catch::Contains("no attempts remain"));
  CHECK(recorded_labels().empty());
  await_journal();
  CHECK(stored(id_of("last")).status == job_status::failed);
}

TEST_CASE_METHOD(recovery_fixture, "a running job whose cancel was requested ends cancelled") {
  auto running = running_row("unwanted", 1, 1, 3);
  running.cancel_requested = true;
  put({running});
  start_recovering(config());
  CHECK(finish(id_of("unwanted")).status == job_status::cancelled);
  CHECK(recorded_labels().empty());
}

TEST_CASE_METHOD(recovery_fixture,
                 "a finished job is answered from the store until its TTL passes") {
  auto done = row("done", 1);
  done.status = job_status::success;
  done.attempts = 1;
  done.result = R"({"answer":42})";
  done.finished_at_ms = now_ms() - 1000;
  // Fails at start, so its result expires after the one recovered as finished.
  put({done, running_row("interrupted", 2, 3, 3)});
  auto cfg = config();
  cfg.result_ttl = 10s;
  start_recovering(cfg);
  auto job = status(id_of("done"));
  CHECK(job.status == job_status::success);
  CHECK(job.result == nlohmann::json{{"answer", 42}});
  CHECK(eng->wait(id_of("done"), 5s)->status == job_status::success);
  CHECK(stats().jobs.success == 1);
  clock->advance(9s);
  auto gone = eng->status(id_of("done"));
  REQUIRE_FALSE(gone);
  CHECK(is_troupe_error(gone.error(), errc::not_found));
  CHECK(status(id_of("interrupted")).status == job_status::failed);
  await_journal();
  CHECK_FALSE(*jobs->find(id_of("done")));
}

TEST_CASE_METHOD(recovery_fixture,
                 "watching and listing a job finished before the restart answer from the store") {
  auto done = row("done", 1);
  done.status = job_status::failed;
  done.attempts = 3;
  done.error = "gave up";
  done.finished_at_ms = now_ms();
  put({done});
  start_recovering(config());
  caf::scoped_actor watcher{eng->system()};
  watcher->request(eng->supervisor(), std::chrono::seconds{10}, watch_atom::value, id_of("done"))
    .receive([](caf::ok_atom) {}, [&](caf::error& err) { FAIL(describe(err)); });
  std::string final_json;
  watcher->receive([&](finished_atom, std::string& json) { final_json = json; },
                   caf::after(std::chrono::seconds{10}) >> [] { FAIL("no finished message"); });
  auto job = job_info::from_json(final_json);
  CHECK(job.status == job_status::failed);
  CHECK(job.error == "gave up");
  std::string listed;
  watcher
    ->request(eng->supervisor(), std::chrono::seconds{10}, list_atom::value, std::string{"failed"},
              std::string{}, int64_t{10})
    .receive([&](std::string& json) { listed = json; },
             [&](caf::error& err) { FAIL(describe(err)); });
  auto jobs = nlohmann::json::parse(listed);
  REQUIRE(jobs.size() == 1);
  CHECK(jobs[0].at("id") == id_of("done"));
  CHECK(jobs[0].at("status") == "failed");
}

TEST_CASE_METHOD(recovery_fixture, "jobs whose TTL passed while stopped are purged at start") {
  auto old = row("old", 1);
  old.status = job_status::failed;
  old.finished_at_ms = now_ms() - 2 * 3600 * 1000;
  put({old});
  start_recovering(config());
  CHECK(stats().recovered == 0);
  CHECK(is_troupe_error(eng->status(id_of("old")).error(), errc::not_found));
  await_journal();
  CHECK_FALSE(*jobs->find(id_of("old")));
}

TEST_CASE_METHOD(recovery_fixture, "an idempotency key stays taken across a restart") {
  auto done = row("keyed", 1);
  done.status = job_status::success;
  done.finished_at_ms = now_ms();
  done.options.idempotency_key = "order-7";
  put({done});
  start_recovering(config());
  job_options opts;
  opts.idempotency_key = "order-7";
  auto again = eng->submit("echo", nullptr, opts);
  REQUIRE(again);
  CHECK(again->id == id_of("keyed"));
  CHECK_FALSE(again->created);
}

TEST_CASE_METHOD(recovery_fixture, "jobs submitted after a restart queue behind recovered ones") {
  put({row("recovered", 41)});
  start_recovering(config());
  auto id = submit("echo");
  finish(id);
  CHECK(stored(id).seq == 42);
}

TEST_CASE_METHOD(
  engine_fixture,
  "stopping an engine on a durable store keeps its pending jobs for the next start") {
  scratch_dir dir;
  start_on(dir.sqlite_store());
  job_options later;
  later.delay_ms = 3600 * 1000;
  auto id = submit("echo", nullptr, later);
  auto final_stats = stop(1s);
  CHECK(final_stats.jobs.pending == 1);
  CHECK(final_stats.jobs.cancelled == 0);
  start_on(dir.sqlite_store());
  CHECK(status(id).status == job_status::pending);
  CHECK(stats().recovered == 1);
}

TEST_CASE_METHOD(engine_fixture,
                 "a job still running when a durable engine stops runs again after the restart") {
  scratch_dir dir;
  start_on(dir.sqlite_store());
  auto id = submit("block");
  REQUIRE(started.wait_for(1));
  auto final_stats = stop(0ms);
  CHECK(final_stats.jobs.running == 1);
  CHECK(final_stats.jobs.success == 0);
  release.open();
  start_on(dir.sqlite_store());
  auto job = finish(id);
  CHECK(job.status == job_status::success);
  CHECK(job.attempts == 2);
  CHECK(job.result == nlohmann::json{{"released", true}});
  CHECK_THAT(*job.error, Catch::Contains("interrupted"));
}
