// Concurrency and supervision over HTTP (bounded in count).
#include "support/http_fixture.hpp"

#include <set>
#include <thread>

using namespace troupe;
using namespace troupe::test;

TEST_CASE_METHOD(http_fixture, "8 concurrent submitters of 500 jobs each all reach success") {
  start();
  constexpr size_t threads = 8, per_thread = 500;
  std::vector<std::vector<std::string>> ids(threads);
  std::vector<std::thread> submitters;
  for (size_t t = 0; t < threads; ++t)
    submitters.emplace_back([&, t] {
      auto cli = client();
      for (size_t i = 0; i < per_thread; ++i) {
        auto res =
          cli.Post("/v1/jobs", json{{"type", "echo"}, {"payload", i}}.dump(), "application/json");
        if (res && res->status == 202)
          ids[t].push_back(json::parse(res->body)["id"]);
      }
    });
  for (auto& s : submitters)
    s.join();
  std::set<std::string> unique;
  for (auto& list : ids) {
    CHECK(list.size() == per_thread);
    unique.insert(list.begin(), list.end());
  }
  CHECK(unique.size() == threads * per_thread);
  for (auto& id : unique)
    CHECK(finish(id)["status"] == "success");
  CHECK(get_json("/v1/stats")["jobs"]["success"] == threads * per_thread);
}

TEST_CASE_METHOD(http_fixture, "a crash job is retried to success and the restart is counted") {
  start();
  auto job = finish(submit({{"type", "crash"}, {"payload", {{"crash_attempts", 1}}}}));
  CHECK(job["status"] == "success");
  CHECK(job["attempts"] == 2);
  CHECK(get_json("/v1/stats")["workers"]["restarts"] == 1);
  CHECK(get_json("/v1/stats")["workers"]["total"] == 2);
}
