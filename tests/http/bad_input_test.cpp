// Bad requests get a clear error; the server keeps serving; nothing accepted
// is lost.
#include "support/http_fixture.hpp"

#include <troupe/protocol.hpp>

#include <caf/scoped_actor.hpp>

using namespace troupe;
using namespace troupe::test;

namespace {

httplib::Result post_raw(http_fixture& f, const std::string& body) {
  return f.client().Post("/v1/jobs", body, "application/json");
}

} // namespace

TEST_CASE_METHOD(http_fixture, "a body that is not a JSON object is invalid_json") {
  start();
  require_error(post_raw(*this, "{\"type\": "), 400, "invalid_json");
  require_error(post_raw(*this, "[1, 2]"), 400, "invalid_json");
  require_error(post_raw(*this, ""), 400, "invalid_json");
  require_error(post_raw(*this, std::string(100, '[') + std::string(100, ']')), 400,
                "invalid_json");
  CHECK(finish(submit({{"type", "echo"}}))["status"] == "success");
}

TEST_CASE_METHOD(http_fixture, "each bad field is invalid_field with the field named") {
  start();
  std::vector<std::pair<json, std::string>> cases{
    {{{"payload", 1}}, "type"},
    {{{"type", 5}}, "type"},
    {{{"type", "echo"}, {"colour", "red"}}, "colour"},
    {{{"type", "echo"}, {"priority", 10}}, "priority"},
    {{{"type", "echo"}, {"priority", "high"}}, "priority"},
    {{{"type", "echo"}, {"max_attempts", 0}}, "max_attempts"},
    {{{"type", "echo"}, {"max_attempts", 101}}, "max_attempts"},
    {{{"type", "echo"}, {"timeout_ms", 0}}, "timeout_ms"},
    {{{"type", "echo"}, {"delay_ms", -1}}, "delay_ms"},
    {{{"type", "echo"}, {"delay_ms", 1.5}}, "delay_ms"},
    {{{"type", "echo"}, {"idempotency_key", std::string(201, 'k')}}, "idempotency_key"},
  };
  for (auto& [body, field] : cases) {
    INFO(body.dump());
    auto res = post_job(body);
    require_error(res, 400, "invalid_field");
    CHECK_THAT(json::parse(res->body)["error"]["message"].get<std::string>(),
               Catch::Contains(field));
  }
  CHECK(get_json("/v1/stats")["submitted_total"] == 0);
}

TEST_CASE_METHOD(http_fixture, "an unregistered type is unknown_type") {
  start();
  require_error(post_job({{"type", "teleport"}}), 400, "unknown_type");
}

TEST_CASE_METHOD(http_fixture, "a body over --max-body is payload_too_large") {
  http::gateway_config cfg;
  cfg.max_body = 1024;
  start(default_engine(), cfg);
  json body{{"type", "echo"}, {"payload", std::string(4096, 'x')}};
  require_error(post_raw(*this, body.dump()), 413, "payload_too_large");
  CHECK(finish(submit({{"type", "echo"}}))["status"] == "success");
}

TEST_CASE_METHOD(http_fixture, "a wait_ms outside 0..60000 is invalid_field") {
  start();
  auto id = submit({{"type", "echo"}});
  require_error(client().Get(("/v1/jobs/" + id + "?wait_ms=60001").c_str()), 400, "invalid_field");
  require_error(client().Get(("/v1/jobs/" + id + "?wait_ms=soon").c_str()), 400, "invalid_field");
}

TEST_CASE_METHOD(http_fixture, "a full queue answers 429 queue_full with Retry-After") {
  auto cfg = default_engine();
  cfg.queue_capacity = 2;
  start(cfg);
  json delayed{{"type", "echo"}, {"delay_ms", 60000}};
  submit(delayed);
  submit(delayed);
  auto res = post_job(delayed);
  require_error(res, 429, "queue_full");
  CHECK(res->get_header_value("Retry-After") == "1");
  CHECK(get_json("/v1/stats")["jobs"]["pending"] == 2);
}

TEST_CASE_METHOD(http_fixture, "submissions during shutdown answer 503 and readyz turns 503") {
  start();
  caf::scoped_actor self{eng->system()};
  self->request(eng->supervisor(), std::chrono::seconds{10}, drain_atom::value, int64_t{0})
    .receive([](std::string&) {}, [](caf::error& err) { FAIL(describe(err)); });
  require_error(post_job({{"type", "echo"}}), 503, "shutting_down");
  require_error(client().Get("/readyz"), 503, "not_ready");
  CHECK(get_json("/healthz")["status"] == "ok");
}
