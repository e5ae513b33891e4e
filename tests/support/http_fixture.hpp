// A real engine behind a real gateway on 127.0.0.1 (port 0), in process, and
// a real HTTP client. The engine has the built-in job types plus `block`,
// which waits until the test opens `release` (or the job is cancelled).
#pragma once

#include "support/latch.hpp"
#include "support/openapi_contract.hpp"

#include <troupe/builtin_handlers.hpp>
#include <troupe/engine.hpp>
#include <troupe/http/gateway.hpp>

#include <catch2/catch.hpp>
#include <httplib.h>

#include <exception>
#include <future>
#include <memory>

namespace troupe::test {

using namespace std::chrono_literals;
using json = nlohmann::json;

class http_fixture {
public:
  /// Small backoff so retries over HTTP take milliseconds.
  static engine_config default_engine() {
    engine_config cfg;
    cfg.workers = 2;
    cfg.backoff_base = 5ms;
    cfg.backoff_cap = 20ms;
    return cfg;
  }

  void start(engine_config engine_cfg = default_engine(), http::gateway_config http_cfg = {}) {
    http_cfg.host = "127.0.0.1";
    http_cfg.port = 0;
    eng = std::make_unique<engine>(engine_cfg);
    register_builtin_handlers(eng->handlers());
    eng->handlers().add("block", [this](job_context& ctx) -> json {
      started.arrive();
      return {{"released", release.pass(ctx)}};
    });
    REQUIRE_FALSE(eng->start());
    gateway = http::spawn_gateway(eng->system(), eng->supervisor(), http_cfg);
    auto bound = http::listening_port(eng->system(), gateway);
    REQUIRE(bound);
    port = *bound;
  }

  ~http_fixture() {
    // Every answer a test received, checked against docs/openapi.yaml.
    if (std::uncaught_exceptions() == 0)
      require_conformance(contract);
    release.open();
    if (gateway)
      http::stop_gateway(eng->system(), gateway);
    gateway = nullptr;
    eng.reset();
  }

  httplib::Client client(const std::string& token = {}) {
    httplib::Client cli{"127.0.0.1", port};
    cli.set_read_timeout(20, 0);
    check_answers(cli, contract);
    if (!token.empty())
      cli.set_bearer_token_auth(token.c_str());
    return cli;
  }

  /// POSTs a job; requires an answer and returns it.
  httplib::Result post_job(const json& body, const std::string& token = {}) {
    auto res = client(token).Post("/v1/jobs", body.dump(), "application/json");
    REQUIRE(res);
    return res;
  }

  /// POSTs a job that must be accepted; returns its id.
  std::string submit(const json& body) {
    auto res = post_job(body);
    REQUIRE(res->status == 202);
    return json::parse(res->body).at("id").get<std::string>();
  }

  /// Long-polls a job until it is terminal and returns it.
  json finish(const std::string& id) {
    auto res = client().Get(("/v1/jobs/" + id + "?wait_ms=15000").c_str());
    REQUIRE(res);
    REQUIRE(res->status == 200);
    auto job = json::parse(res->body);
    REQUIRE(is_terminal(*parse_job_status(job.at("status"))));
    return job;
  }

  json get_json(const std::string& path, int expected_status = 200) {
    auto res = client().Get(path.c_str());
    REQUIRE(res);
    CHECK(res->status == expected_status);
    return json::parse(res->body);
  }

  std::unique_ptr<engine> eng;
  caf::actor gateway;
  uint16_t port = 0;
  counter started;
  gate release;
  contract_log contract;
};

/// Requires `res` to be the API's error shape with this status and code.
inline void require_error(const httplib::Result& res, int status, const std::string& code) {
  REQUIRE(res);
  CHECK(res->status == status);
  auto body = json::parse(res->body, nullptr, false);
  REQUIRE(body.is_object());
  CHECK(body["error"]["code"] == code);
  CHECK(body["error"]["message"].is_string());
  CHECK_FALSE(body["error"]["message"].get<std::string>().empty());
}

} // namespace troupe::test
