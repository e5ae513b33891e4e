// The job snapshot format and the manual clock that tests rely on.
#include <troupe/clock.hpp>
#include <troupe/job.hpp>

#include "job_record.hpp"

#include <caf/all.hpp>
#include <catch2/catch.hpp>

using namespace troupe;

TEST_CASE("timestamps are RFC 3339 UTC with milliseconds and parse back") {
  CHECK(format_rfc3339(0) == "1970-01-01T00:00:00.000Z");
  CHECK(format_rfc3339(1795383322123) == "2026-11-22T21:35:22.123Z");
  CHECK(parse_rfc3339("2026-11-22T21:35:22.123Z") == 1795383322123);
  CHECK_THROWS_AS(parse_rfc3339("yesterday"), std::invalid_argument);
}

TEST_CASE("a job record renders as the protocol's job object and reads back") {
  detail::job_record rec;
  rec.id = "id-1";
  rec.type = "echo";
  rec.payload = R"({"k":[1,2]})";
  rec.status = job_status::failed;
  rec.attempts = 2;
  rec.error = "boom \"quoted\"";
  rec.created_at_ms = 1000;
  rec.finished_at_ms = 2500;
  auto json = nlohmann::json::parse(detail::to_json(rec));
  CHECK(json["status"] == "failed");
  CHECK(json["result"].is_null());
  CHECK(json["started_at"].is_null());
  CHECK(json["finished_at"] == "1970-01-01T00:00:02.500Z");
  auto info = job_info::from_json(detail::to_json(rec));
  CHECK(info.payload == nlohmann::json{{"k", {1, 2}}});
  CHECK(info.error == rec.error);
  CHECK(info.finished_at_ms == std::optional<int64_t>{2500});
}

TEST_CASE("status names parse back and unknown names are rejected") {
  for (auto s : {job_status::pending, job_status::running, job_status::success, job_status::failed,
                 job_status::cancelled})
    CHECK(parse_job_status(to_string(s)) == s);
  CHECK_FALSE(parse_job_status("done"));
}

TEST_CASE("the manual clock delivers due messages in deadline order, and only those") {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  manual_clock clock;
  caf::scoped_actor self{sys};
  auto start = clock.now();
  clock.schedule(start + std::chrono::seconds{2}, self, caf::make_message(2));
  clock.schedule(start + std::chrono::seconds{1}, self, caf::make_message(1));
  clock.schedule(start + std::chrono::seconds{3}, self, caf::make_message(3));
  clock.advance(std::chrono::seconds{2});
  std::vector<int> received;
  for (int i = 0; i < 3; ++i)
    self->receive([&](int x) { received.push_back(x); },
                  caf::after(std::chrono::milliseconds{0}) >> [] {});
  CHECK(received == std::vector<int>{1, 2});
  CHECK(clock.await_scheduled_before(start + std::chrono::seconds{4}, std::chrono::milliseconds{0})
        == start + std::chrono::seconds{3});
}
