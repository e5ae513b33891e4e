// What a job actor answers: snapshots, progress, long-polls, watchers, TTL.
#include "support/engine_fixture.hpp"

#include <troupe/protocol.hpp>

#include <caf/scoped_actor.hpp>

using namespace troupe;
using namespace troupe::test;

TEST_CASE_METHOD(engine_fixture, "a snapshot shows the job's fields through its lifecycle") {
  start(config());
  job_options opts;
  opts.priority = 7;
  opts.max_attempts = 4;
  auto id = submit("block", {{"x", 1}}, opts);
  REQUIRE(started.wait_for(1));
  auto running = status(id);
  CHECK(running.id == id);
  CHECK(running.type == "block");
  CHECK(running.status == job_status::running);
  CHECK(running.priority == 7);
  CHECK(running.max_attempts == 4);
  CHECK(running.attempts == 1);
  CHECK(running.payload == nlohmann::json{{"x", 1}});
  CHECK(running.worker == std::optional<std::string>{"worker-1"});
  CHECK(running.started_at_ms);
  CHECK_FALSE(running.finished_at_ms);
  release.open();
  auto done = finish(id);
  CHECK(done.status == job_status::success);
  CHECK(done.result == nlohmann::json{{"released", true}});
  CHECK(done.finished_at_ms);
  CHECK_FALSE(done.error);
}

TEST_CASE_METHOD(engine_fixture, "progress reported by a handler shows in the job's status") {
  start(config());
  auto id = submit("halfway");
  REQUIRE(started.wait_for(1));
  auto job = status(id);
  CHECK(job.progress == std::optional<double>{0.5});
  CHECK(job.progress_message == std::optional<std::string>{"halfway"});
  release.open();
  CHECK(finish(id).progress == std::optional<double>{1.0});
}

TEST_CASE_METHOD(engine_fixture, "a long-poll answers when the job finishes, not at its timeout") {
  start(config());
  auto id = submit("block");
  REQUIRE(started.wait_for(1));
  caf::scoped_actor self{eng->system()};
  auto poll = self->request(eng->supervisor(), std::chrono::seconds{10}, wait_atom::value, id,
                            int64_t{60000});
  release.open();
  std::string answer;
  poll.receive([&](std::string& json) { answer = json; },
               [&](caf::error& err) { FAIL(describe(err)); });
  CHECK(job_info::from_json(answer).status == job_status::success);
}

TEST_CASE_METHOD(engine_fixture, "a long-poll answers with the job as it is once wait_ms passed") {
  start(config());
  auto id = submit("block");
  REQUIRE(started.wait_for(1));
  caf::scoped_actor self{eng->system()};
  auto poll =
    self->request(eng->supervisor(), std::chrono::seconds{10}, wait_atom::value, id, int64_t{2000});
  clock->advance_to(next_timer_within(2001ms));
  std::string answer;
  poll.receive([&](std::string& json) { answer = json; },
               [&](caf::error& err) { FAIL(describe(err)); });
  CHECK(job_info::from_json(answer).status == job_status::running);
}

TEST_CASE_METHOD(engine_fixture, "a watcher receives one finished message with the final job") {
  start(config());
  auto id = submit("block");
  caf::scoped_actor watcher{eng->system()};
  watcher->request(eng->supervisor(), std::chrono::seconds{10}, watch_atom::value, id)
    .receive([](caf::ok_atom) {}, [&](caf::error& err) { FAIL(describe(err)); });
  release.open();
  std::string final_json;
  watcher->receive([&](finished_atom, std::string& json) { final_json = json; },
                   caf::after(std::chrono::seconds{10}) >> [] { FAIL("no finished message"); });
  auto job = job_info::from_json(final_json);
  CHECK(job.id == id);
  CHECK(job.status == job_status::success);
  bool second = false;
  watcher->receive([&](finished_atom, std::string&) { second = true; },
                   caf::after(std::chrono::milliseconds{0}) >> [] {});
  CHECK_FALSE(second);
}

TEST_CASE_METHOD(engine_fixture, "watching a finished job notifies at once") {
  start(config());
  auto id = submit("echo", 5);
  finish(id);
  caf::scoped_actor watcher{eng->system()};
  watcher->request(eng->supervisor(), std::chrono::seconds{10}, watch_atom::value, id)
    .receive([](caf::ok_atom) {}, [&](caf::error& err) { FAIL(describe(err)); });
  std::string final_json;
  watcher->receive([&](finished_atom, std::string& json) { final_json = json; },
                   caf::after(std::chrono::seconds{10}) >> [] { FAIL("no finished message"); });
  CHECK(job_info::from_json(final_json).result == 5);
}

TEST_CASE_METHOD(engine_fixture, "a finished job is forgotten after result_ttl") {
  auto cfg = config();
  cfg.result_ttl = 1000ms;
  start(cfg);
  auto id = submit("echo", 1);
  finish(id);
  clock->advance(999ms);
  CHECK(eng->status(id));
  CHECK(stats().jobs.success == 1);
  clock->advance(1ms);
  CHECK(is_troupe_error(eng->status(id).error(), errc::not_found));
  CHECK(stats().jobs.success == 0);
}
