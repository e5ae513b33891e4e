// docs/openapi.yaml is the contract: every path and method it documents must
// be served by the gateway, and the contract check must catch an answer that
// breaks it (every other HTTP test relies on that check).
#include "support/http_fixture.hpp"

#include <fstream>

using namespace troupe;
using namespace troupe::test;

TEST_CASE_METHOD(http_fixture, "every operation in docs/openapi.yaml is served") {
  start();
  auto ops = openapi_contract::instance().operations();
  CHECK(ops.size() == 14);
  for (auto& [method, path] : ops) {
    auto concrete = path;
    if (auto param = concrete.find("{id}"); param != std::string::npos)
      concrete.replace(param, 4, submit({{"type", "echo"}}));
    if (auto param = concrete.find("{group}"); param != std::string::npos)
      concrete.replace(param, 7, "tenant");
    INFO(method << " " << concrete);
    auto cli = client();
    auto res = method == "get" ? cli.Get(concrete.c_str())
               : method == "post"
                 ? cli.Post(concrete.c_str(), R"({"type":"echo"})", "application/json")
               : method == "put" ? cli.Put(concrete.c_str(), R"({"weight":2})", "application/json")
                                 : cli.Delete(concrete.c_str());
    REQUIRE(res);
    CHECK_FALSE(res->body.find("no such route") != std::string::npos);
    CHECK(res->status < 500);
  }
}

TEST_CASE("the contract check catches answers the document does not allow") {
  auto& contract = openapi_contract::instance();
  auto job = nlohmann::json::parse(R"({"id":"0b0f4c1e-3a6b-4c1d-8e2f-0123456789ab","type":"echo",
    "status":"pending","priority":5,"attempts":0,"max_attempts":3,"payload":null,"result":null,
    "error":null,"progress":null,"progress_message":null,"created_at":"2026-12-04T08:00:00.000Z",
    "started_at":null,"finished_at":null,"worker":null,"cancel_requested":false})");
  const std::string type = "application/json; charset=utf-8";
  CHECK(contract.check("GET", "/v1/jobs/x?wait_ms=5", 200, type, job.dump()).empty());

  auto wrong_status = job;
  wrong_status["status"] = "done";
  CHECK(contract.check("GET", "/v1/jobs/x", 200, type, wrong_status.dump()).size() == 1);
  auto missing = job;
  missing.erase("created_at");
  CHECK(contract.check("GET", "/v1/jobs/x", 200, type, missing.dump()).size() == 1);
  auto bad_time = job;
  bad_time["created_at"] = "yesterday";
  CHECK(contract.check("GET", "/v1/jobs/x", 200, type, bad_time.dump()).size() == 1);
  CHECK_FALSE(contract.check("GET", "/v1/jobs/x", 418, type, job.dump()).empty());
  CHECK_FALSE(contract.check("PUT", "/v1/jobs/x", 200, type, job.dump()).empty());
  CHECK_FALSE(contract.check("GET", "/v1/jobs/x", 404, type, R"({"error":{"code":1}})").empty());
  CHECK_FALSE(contract.check("POST", "/v1/jobs", 202, "text/html", job.dump()).empty());
}
