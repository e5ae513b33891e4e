// The dashboard's files, compiled into the binary, as the gateway serves them.
// What the page does is tested in a browser (dashboard_test.mjs). They are
// not part of the API contract (docs/openapi.yaml), so a plain client asks.
#include "support/http_fixture.hpp"
#include "support/server_process.hpp"

using namespace troupe;
using namespace troupe::test;

namespace {

httplib::Client page_client(uint16_t port) {
  return httplib::Client{"127.0.0.1", port};
}

} // namespace

TEST_CASE_METHOD(http_fixture, "the dashboard's files are served byte for byte with their types") {
  start();
  auto browser = page_client(port);
  for (auto [url, file, type] :
       {std::tuple{"/", "index.html", "text/html; charset=utf-8"},
        {"/dashboard/dashboard.js", "dashboard.js", "text/javascript; charset=utf-8"},
        {"/dashboard/dashboard.css", "dashboard.css", "text/css; charset=utf-8"}}) {
    INFO(url);
    auto res = browser.Get(url);
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->get_header_value("Content-Type") == type);
    CHECK(res->get_header_value("Cache-Control") == "no-cache");
    CHECK_THAT(res->get_header_value("Content-Security-Policy"),
               Catch::StartsWith("default-src 'self'"));
    CHECK(res->body == read_file(std::string{TROUPE_SOURCE_DIR} + "/http/dashboard/" + file));
  }
}

TEST_CASE_METHOD(http_fixture, "the dashboard's files need no token, the API still does") {
  http::gateway_config cfg;
  cfg.token = "s3cret";
  start(default_engine(), cfg);
  auto browser = page_client(port);
  auto page = browser.Get("/");
  REQUIRE(page);
  CHECK(page->status == 200);
  auto stats = browser.Get("/v1/stats");
  REQUIRE(stats);
  CHECK(stats->status == 401);
  auto missing = browser.Get("/dashboard/missing.js");
  REQUIRE(missing);
  CHECK(missing->status == 404);
}
