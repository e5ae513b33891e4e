// The engine's counters and the job listing.
#include "support/engine_fixture.hpp"

#include <troupe/protocol.hpp>

#include <caf/scoped_actor.hpp>

using namespace troupe;
using namespace troupe::test;

namespace {

nlohmann::json ask_json(engine& eng, caf::message msg) {
  caf::scoped_actor self{eng.system()};
  nlohmann::json result;
  self->request(eng.supervisor(), std::chrono::seconds{10}, std::move(msg))
    .receive([&](std::string& json) { result = nlohmann::json::parse(json); },
             [&](caf::error& err) { FAIL(describe(err)); });
  return result;
}

/// The ids of a listing, in the order listed.
nlohmann::json listed_ids(engine& eng, const std::string& status, const std::string& type,
                          int64_t limit) {
  auto ids = nlohmann::json::array();
  for (auto& job : ask_json(eng, caf::make_message(list_atom::value, status, type, limit)))
    ids.push_back(job.at("id"));
  return ids;
}

} // namespace

TEST_CASE_METHOD(engine_fixture, "stats count submissions and outcomes per job type") {
  start(config());
  finish(submit("echo", 1));
  finish(submit("echo", 2));
  job_options once;
  once.max_attempts = 1;
  finish(submit("fail", nullptr, once));
  auto stats = ask_json(*eng, caf::make_message(stats_atom::value));
  CHECK(stats["types"]["echo"]["submitted"] == 2);
  CHECK(stats["types"]["echo"]["success"] == 2);
  CHECK(stats["types"]["fail"]["failed"] == 1);
  CHECK(stats["duration_seconds"]["count"] == 3);
  CHECK(stats["duration_seconds"]["counts"].size() == stats["duration_seconds"]["le"].size() + 1);
}

TEST_CASE_METHOD(engine_fixture, "a listing is newest first and honours status, type and limit") {
  start(config());
  auto a = submit("echo", 1);
  auto b = submit("echo", 2);
  finish(a);
  finish(b);
  job_options later;
  later.delay_ms = 60000;
  auto c = submit("sleep", {{"ms", 1}}, later);
  CHECK(listed_ids(*eng, "", "", 100) == nlohmann::json{c, b, a});
  CHECK(listed_ids(*eng, "success", "", 100) == nlohmann::json{b, a});
  CHECK(listed_ids(*eng, "", "sleep", 100) == nlohmann::json{c});
  CHECK(listed_ids(*eng, "", "", 2) == nlohmann::json{c, b});
}

TEST_CASE_METHOD(engine_fixture, "a listing with an unknown status is refused") {
  start(config());
  caf::scoped_actor self{eng->system()};
  caf::error err;
  self
    ->request(eng->supervisor(), std::chrono::seconds{10}, list_atom::value, std::string{"done"},
              std::string{}, int64_t{10})
    .receive([](std::string&) { FAIL("accepted"); }, [&](caf::error& e) { err = e; });
  CHECK(is_troupe_error(err, errc::invalid_argument));
}

TEST_CASE_METHOD(engine_fixture,
                 "stats keep the last five minutes of finished jobs in five-second buckets") {
  start(config());
  auto start_ms = to_epoch_ms(clock->now());
  REQUIRE(start_ms % 5000 == 0);
  finish(submit("echo", 1));
  finish(submit("echo", 2));
  auto recent = ask_json(*eng, caf::make_message(stats_atom::value))["recent"];
  CHECK(recent["bucket_seconds"] == 5);
  CHECK(recent["finished"].size() == 60);
  // The bucket in progress is not shown until it is complete.
  CHECK(recent["until_ms"] == start_ms);
  CHECK(recent["finished"].back() == 0);

  clock->advance(5s);
  recent = ask_json(*eng, caf::make_message(stats_atom::value))["recent"];
  CHECK(recent["until_ms"] == start_ms + 5000);
  CHECK(recent["finished"].back() == 2);
  CHECK(recent["timed"].back() == 2);

  // In the next bucket: a job that runs, and one cancelled before it started.
  auto runner = occupy_worker();
  auto never_started = submit("echo");
  REQUIRE(eng->cancel(never_started));
  release.open();
  finish(runner);
  clock->advance(5s);
  auto stats = ask_json(*eng, caf::make_message(stats_atom::value));
  recent = stats["recent"];
  CHECK(recent["finished"][58] == 2);
  CHECK(recent["finished"][59] == 2);
  CHECK(recent["timed"][59] == 1);
  // The run times are the ones the duration histogram holds (the worker's own
  // measure, not the manual clock's).
  double run_seconds = 0;
  for (auto& sum : recent["run_seconds"])
    run_seconds += sum.get<double>();
  CHECK(recent["run_seconds"][59].get<double>() > 0);
  CHECK(run_seconds == Approx(stats["duration_seconds"]["sum"].get<double>()));
  CHECK(stats["duration_seconds"]["count"] == 3);

  // Five minutes on, all of it has left the window.
  clock->advance(5min);
  recent = ask_json(*eng, caf::make_message(stats_atom::value))["recent"];
  CHECK(recent["until_ms"] == start_ms + 10000 + 300000);
  CHECK(recent["finished"].size() == 60);
  for (auto& count : recent["finished"])
    CHECK(count == 0);
}
