// Bearer-token authentication.
#include "support/http_fixture.hpp"

using namespace troupe;
using namespace troupe::test;

namespace {

http::gateway_config with_token(const std::string& token) {
  http::gateway_config cfg;
  cfg.token = token;
  return cfg;
}

} // namespace

TEST_CASE_METHOD(http_fixture, "with a token, /v1 and /metrics need the bearer token") {
  start(default_engine(), with_token("s3cret"));
  require_error(post_job({{"type", "echo"}}), 401, "unauthorized");
  require_error(post_job({{"type", "echo"}}, "wrong!"), 401, "unauthorized");
  require_error(post_job({{"type", "echo"}}, "s3cre"), 401, "unauthorized");
  CHECK(post_job({{"type", "echo"}}, "s3cret")->status == 202);
  require_error(client().Get("/v1/stats"), 401, "unauthorized");
  require_error(client().Get("/metrics"), 401, "unauthorized");
  CHECK(client("s3cret").Get("/metrics")->status == 200);
  CHECK(client("s3cret").Get("/v1/jobs")->status == 200);
}

TEST_CASE_METHOD(http_fixture, "with a token, the health endpoints stay open") {
  start(default_engine(), with_token("s3cret"));
  CHECK(client().Get("/healthz")->status == 200);
  CHECK(client().Get("/readyz")->status == 200);
}

TEST_CASE_METHOD(http_fixture, "without a token, every route is open") {
  start();
  CHECK(post_job({{"type", "echo"}})->status == 202);
  CHECK(client().Get("/metrics")->status == 200);
}
