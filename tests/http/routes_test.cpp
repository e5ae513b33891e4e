// Every route of API v1, over real HTTP on loopback.
#include "support/http_fixture.hpp"

using namespace troupe;
using namespace troupe::test;

TEST_CASE_METHOD(http_fixture, "POST /v1/jobs answers 202 with the job and its Location") {
  start();
  auto res = post_job({{"type", "echo"}, {"payload", {{"n", 1}}}, {"priority", 7}});
  REQUIRE(res->status == 202);
  auto job = json::parse(res->body);
  CHECK(res->get_header_value("Location") == "/v1/jobs/" + job["id"].get<std::string>());
  CHECK(job["type"] == "echo");
  CHECK(job["priority"] == 7);
  CHECK(job["payload"] == json{{"n", 1}});
  CHECK(job["max_attempts"] == 3);
  for (auto field : {"status", "attempts", "result", "error", "progress", "progress_message",
                     "created_at", "started_at", "finished_at", "worker"})
    CHECK(job.contains(field));
  CHECK(finish(job["id"])["result"] == json{{"n", 1}});
}

TEST_CASE_METHOD(http_fixture, "a repeated idempotency key answers 200 with the first job") {
  start();
  json body{{"type", "echo"}, {"idempotency_key", "invoice-7"}};
  auto first = post_job(body);
  auto second = post_job(body);
  REQUIRE(first->status == 202);
  REQUIRE(second->status == 200);
  CHECK(json::parse(second->body)["id"] == json::parse(first->body)["id"]);
}

TEST_CASE_METHOD(http_fixture, "GET /v1/jobs/{id} answers the job or 404 not_found") {
  start();
  auto id = submit({{"type", "echo"}, {"payload", 3}});
  finish(id);
  auto job = get_json("/v1/jobs/" + id);
  CHECK(job["status"] == "success");
  CHECK(job["result"] == 3);
  require_error(client().Get("/v1/jobs/no-such-job"), 404, "not_found");
}

TEST_CASE_METHOD(http_fixture, "a long-poll wakes when the job finishes, not at wait_ms") {
  start();
  auto id = submit({{"type", "block"}});
  REQUIRE(started.wait_for(1));
  // The client gives up after 20 s; the poll asks for 60 s: only the job's
  // completion can answer it in time.
  auto poll = std::async(std::launch::async, [&] {
    return client().Get(("/v1/jobs/" + id + "?wait_ms=60000").c_str());
  });
  release.open();
  auto res = poll.get();
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(json::parse(res->body)["status"] == "success");
}

TEST_CASE_METHOD(http_fixture, "a long-poll answers with the running job once wait_ms passed") {
  start();
  auto id = submit({{"type", "block"}});
  REQUIRE(started.wait_for(1));
  CHECK(get_json("/v1/jobs/" + id + "?wait_ms=20")["status"] == "running");
}

TEST_CASE_METHOD(http_fixture, "DELETE cancels a job, and answers 409 for a finished one") {
  start();
  auto blocked = submit({{"type", "block"}});
  auto pending = submit({{"type", "sleep"}, {"payload", {{"ms", 1}}}, {"delay_ms", 60000}});
  auto res = client().Delete(("/v1/jobs/" + pending).c_str());
  REQUIRE(res);
  CHECK(res->status == 202);
  CHECK(json::parse(res->body)["status"] == "cancelled");
  REQUIRE(started.wait_for(1));
  auto running = client().Delete(("/v1/jobs/" + blocked).c_str());
  REQUIRE(running);
  CHECK(running->status == 202);
  CHECK(json::parse(running->body)["cancel_requested"] == true);
  CHECK(finish(blocked)["status"] == "cancelled");
  require_error(client().Delete(("/v1/jobs/" + pending).c_str()), 409, "conflict");
  require_error(client().Delete("/v1/jobs/unknown"), 404, "not_found");
}

TEST_CASE_METHOD(http_fixture,
                 "POST /v1/jobs/{id}/retry runs a failed job again, and answers 409 otherwise") {
  start();
  auto failed = submit({{"type", "fail"}, {"payload", {{"message", "boom"}}}, {"max_attempts", 1}});
  REQUIRE(finish(failed)["status"] == "failed");
  auto res = client().Post(("/v1/jobs/" + failed + "/retry").c_str());
  REQUIRE(res);
  CHECK(res->status == 202);
  auto retried = json::parse(res->body);
  CHECK(retried["id"] == failed);
  CHECK(retried["attempts"] == 0);
  CHECK(retried["error"].is_null());
  auto again = finish(failed);
  CHECK(again["status"] == "failed");
  CHECK(again["attempts"] == 1);
  auto succeeded = submit({{"type", "echo"}});
  REQUIRE(finish(succeeded)["status"] == "success");
  require_error(client().Post(("/v1/jobs/" + succeeded + "/retry").c_str()), 409, "not_retryable");
  require_error(client().Post("/v1/jobs/unknown/retry"), 404, "not_found");
}

TEST_CASE_METHOD(http_fixture, "GET /v1/jobs pages through all jobs with the before cursor") {
  start();
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    ids.push_back(submit({{"type", "echo"}, {"payload", i}}));
    finish(ids.back());
  }
  for (int i = 3; i < 5; ++i)
    ids.push_back(submit({{"type", "echo"}, {"delay_ms", 60000}}));
  std::vector<std::string> seen;
  std::string query = "/v1/jobs?limit=2";
  for (int page = 0; page < 3; ++page) {
    auto jobs = get_json(query)["jobs"];
    CHECK(jobs.size() == (page < 2 ? 2u : 1u));
    for (auto& job : jobs)
      seen.push_back(job["id"]);
    query = "/v1/jobs?limit=2&before=" + seen.back();
  }
  CHECK(seen == std::vector<std::string>{ids.rbegin(), ids.rend()});
  CHECK(get_json(query)["jobs"].empty());
  require_error(client().Get("/v1/jobs?before=nonsense"), 400, "invalid_field");
}

TEST_CASE_METHOD(http_fixture, "GET /v1/workers shows each worker's state, job and restarts") {
  start();
  auto crashed = submit({{"type", "crash"}, {"payload", {{"crash_attempts", 1}}}});
  REQUIRE(finish(crashed)["status"] == "success");
  auto blocked = submit({{"type", "block"}});
  REQUIRE(started.wait_for(1));
  auto list = get_json("/v1/workers")["local"]["list"];
  REQUIRE(list.size() == 2);
  int busy = 0;
  int restarts = 0;
  for (auto& worker : list) {
    CHECK(worker["name"].get<std::string>().rfind("worker-", 0) == 0);
    restarts += worker["restarts"].get<int>();
    if (worker["state"] == "busy") {
      ++busy;
      CHECK(worker["job"] == blocked);
    } else {
      CHECK(worker["job"].is_null());
    }
  }
  CHECK(busy == 1);
  CHECK(restarts == 1);
}

TEST_CASE_METHOD(http_fixture, "GET /v1/jobs lists newest first, filtered and limited") {
  start();
  auto a = submit({{"type", "echo"}});
  auto b = submit({{"type", "echo"}});
  finish(a);
  finish(b);
  auto c = submit({{"type", "sleep"}, {"payload", {{"ms", 1}}}, {"delay_ms", 60000}});
  auto ids = [](const json& list) {
    std::vector<std::string> out;
    for (auto& job : list.at("jobs"))
      out.push_back(job.at("id"));
    return out;
  };
  CHECK(ids(get_json("/v1/jobs")) == std::vector<std::string>{c, b, a});
  CHECK(ids(get_json("/v1/jobs?status=success")) == std::vector<std::string>{b, a});
  CHECK(ids(get_json("/v1/jobs?type=sleep")) == std::vector<std::string>{c});
  CHECK(ids(get_json("/v1/jobs?limit=1")) == std::vector<std::string>{c});
  CHECK(get_json("/v1/jobs?status=pending")["jobs"][0]["status"] == "pending");
  require_error(client().Get("/v1/jobs?limit=1001"), 400, "invalid_field");
  require_error(client().Get("/v1/jobs?status=done"), 400, "invalid_field");
}

TEST_CASE_METHOD(http_fixture, "a job's group is shown with it and filters the list") {
  start();
  auto res = post_job({{"type", "echo"}, {"group", "tenant-7"}});
  REQUIRE(res->status == 202);
  auto grouped = json::parse(res->body);
  CHECK(grouped["group"] == "tenant-7");
  auto plain = submit({{"type", "echo"}});
  CHECK(finish(plain)["group"].is_null());
  auto pending = submit({{"type", "echo"}, {"group", "tenant-7"}, {"delay_ms", 60000}});
  finish(grouped["id"]);
  auto list = get_json("/v1/jobs?group=tenant-7");
  std::vector<std::string> listed;
  for (auto& job : list["jobs"])
    listed.push_back(job["id"]);
  CHECK(listed == std::vector<std::string>{pending, grouped["id"]});
  CHECK(list["jobs"][1]["group"] == "tenant-7");
  require_error(post_job({{"type", "echo"}, {"group", ""}}), 400, "invalid_field");
  require_error(post_job({{"type", "echo"}, {"group", std::string(129, 'g')}}), 400,
                "invalid_field");
}

TEST_CASE_METHOD(http_fixture, "GET /v1/stats reports jobs, queue and workers") {
  start();
  finish(submit({{"type", "echo"}}));
  auto stats = get_json("/v1/stats");
  CHECK(stats["jobs"]["success"] == 1);
  CHECK(stats["jobs"]["pending"] == 0);
  CHECK(stats["queue"]["depth"] == 0);
  CHECK(stats["queue"]["capacity"] == 100000);
  CHECK(stats["workers"]["total"] == 2);
  CHECK(stats["workers"]["busy"] == 0);
  CHECK(stats["workers"]["restarts"] == 0);
}

TEST_CASE_METHOD(http_fixture, "healthz and readyz answer 200 while serving") {
  start();
  CHECK(get_json("/healthz")["status"] == "ok");
  CHECK(get_json("/readyz")["status"] == "ready");
}

TEST_CASE_METHOD(http_fixture, "metrics expose the engine's and the gateway's counters") {
  start();
  finish(submit({{"type", "echo"}}));
  auto res = client().Get("/metrics");
  REQUIRE(res);
  REQUIRE(res->status == 200);
  CHECK_THAT(res->get_header_value("Content-Type"), Catch::StartsWith("text/plain"));
  const auto& text = res->body;
  CHECK_THAT(text, Catch::Contains("troupe_jobs_submitted_total{type=\"echo\"} 1"));
  CHECK_THAT(text,
             Catch::Contains("troupe_jobs_completed_total{type=\"echo\",status=\"success\"} 1"));
  CHECK_THAT(text, Catch::Contains("troupe_queue_depth 0"));
  CHECK_THAT(text, Catch::Contains("troupe_workers 2"));
  CHECK_THAT(text, Catch::Contains("troupe_worker_restarts_total 0"));
  CHECK_THAT(text, Catch::Contains("troupe_job_duration_seconds_bucket{le=\"+Inf\"} 1"));
  CHECK_THAT(text, Catch::Contains("troupe_job_duration_seconds_count 1"));
  CHECK_THAT(text,
             Catch::Contains("troupe_http_requests_total{route=\"POST /v1/jobs\",code=\"202\"} 1"));
}

TEST_CASE_METHOD(http_fixture, "an unknown route answers 404 in the error shape") {
  start();
  require_error(client().Get("/v2/nothing"), 404, "not_found");
}

TEST_CASE_METHOD(http_fixture, "a group's limit is set, read, listed and removed over HTTP") {
  start();
  auto put =
    client().Put("/v1/limits/tenant-1", R"({"concurrency":0,"weight":3})", "application/json");
  REQUIRE(put);
  REQUIRE(put->status == 200);
  auto set = json::parse(put->body);
  CHECK(set["group"] == "tenant-1");
  CHECK(set["limit"]["concurrency"] == 0);
  CHECK(set["limit"]["weight"] == 3);
  // Paused: its job waits, another group's runs.
  auto waiting = submit({{"type", "echo"}, {"group", "tenant-1"}});
  finish(submit({{"type", "echo"}}));
  auto state = get_json("/v1/limits/tenant-1");
  CHECK(state["ready"] == 1);
  CHECK(state["throttled"] == true);
  CHECK(get_json("/v1/limits")["limits"].size() == 1);
  auto metrics = client().Get("/metrics")->body;
  CHECK_THAT(metrics, Catch::Contains("troupe_group_limits 1\n"));
  CHECK_THAT(metrics, Catch::Contains("troupe_groups_at_limit 1\n"));
  CHECK_THAT(metrics, Catch::Contains("troupe_throttled_dispatches_total 1\n"));
  auto removed = client().Delete("/v1/limits/tenant-1");
  REQUIRE(removed);
  CHECK(removed->status == 200);
  CHECK(finish(waiting)["status"] == "success");
  require_error(client().Get("/v1/limits/tenant-1"), 404, "not_found");
  require_error(client().Put("/v1/limits/tenant-1", R"({"rate":0})", "application/json"), 400,
                "invalid_field");
}

TEST_CASE_METHOD(http_fixture, "limits are listed by group name, a page at a time") {
  start();
  for (auto group : {"c", "a", "*", "b"})
    REQUIRE(client()
              .Put(std::string{"/v1/limits/"} + group, R"({"weight":2})", "application/json")
              ->status
            == 200);
  auto first = get_json("/v1/limits?limit=2")["limits"];
  REQUIRE(first.size() == 2);
  CHECK(first[0]["group"] == "*");
  CHECK(first[1]["group"] == "a");
  auto second = get_json("/v1/limits?limit=2&after=a")["limits"];
  REQUIRE(second.size() == 2);
  CHECK(second[0]["group"] == "b");
  CHECK(second[1]["group"] == "c");
  CHECK(get_json("/v1/limits?after=c")["limits"].empty());
  require_error(client().Get("/v1/limits?limit=0"), 400, "invalid_field");
}

TEST_CASE_METHOD(http_fixture, "a limit that is not JSON or breaks a rule is refused, naming why") {
  start();
  require_error(client().Put("/v1/limits/a", "{", "application/json"), 400, "invalid_json");
  require_error(client().Put("/v1/limits/a", R"({"concurrency":-1})", "application/json"), 400,
                "invalid_field");
  require_error(client().Put("/v1/limits/a", R"({"speed":3})", "application/json"), 400,
                "invalid_field");
  require_error(client().Put("/v1/limits/a", "[1]", "application/json"), 400, "invalid_field");
  require_error(client().Put("/v1/limits/%7F", R"({"weight":2})", "application/json"), 400,
                "invalid_field");
  CHECK(get_json("/v1/limits")["limits"].empty());
}
