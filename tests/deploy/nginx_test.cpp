// The shipped deploy/nginx configuration, run by Debian's real nginx in front
// of the real `troupe serve` on loopback: the whole API (long-poll included)
// passes through it, and 10,000 idle or slow connections stay in nginx while
// a normal client is served.
#include "support/nginx_front.hpp"
#include "support/normal_client.hpp"
#include "support/openapi_contract.hpp"
#include "support/raw_connection.hpp"

#include <sys/resource.h>

#include <algorithm>

namespace troupe::test {

namespace {

using json = nlohmann::json;

httplib::Client client_of(uint16_t port, contract_log& log) {
  httplib::Client cli{"127.0.0.1", port};
  cli.set_read_timeout(15, 0);
  check_answers(cli, log);
  return cli;
}

std::string id_of(const httplib::Result& res) {
  REQUIRE(res);
  return json::parse(res->body).at("id");
}

} // namespace

TEST_CASE("the whole API works through the shipped nginx configuration") {
  scratch_dir dir;
  server troupe{{"--http", "127.0.0.1:0", "--store", "memory", "--workers", "2"},
                dir.file("server.log")};
  nginx_front nginx{dir, troupe.port};
  contract_log log;
  auto cli = client_of(nginx.port, log);

  auto posted =
    cli.Post("/v1/jobs", R"({"type":"sleep","payload":{"ms":200}})", "application/json");
  REQUIRE(posted);
  CHECK(posted->status == 202);
  auto id = id_of(posted);
  CHECK(posted->get_header_value("Location") == "/v1/jobs/" + id);
  // A long-poll held by troupe while nginx waits on it.
  auto waited = cli.Get(("/v1/jobs/" + id + "?wait_ms=10000").c_str());
  REQUIRE(waited);
  CHECK(json::parse(waited->body)["status"] == "success");

  auto delayed =
    id_of(cli.Post("/v1/jobs", R"({"type":"echo","delay_ms":600000})", "application/json"));
  auto cancelled = cli.Delete(("/v1/jobs/" + delayed).c_str());
  REQUIRE(cancelled);
  CHECK(cancelled->status == 202);
  CHECK(json::parse(cancelled->body)["status"] == "cancelled");

  auto listed = cli.Get("/v1/jobs?limit=10");
  REQUIRE(listed);
  CHECK(json::parse(listed->body)["jobs"].size() == 2);
  for (auto path : {"/v1/stats", "/healthz", "/readyz", "/metrics"}) {
    auto res = cli.Get(path);
    REQUIRE(res);
    CHECK(res->status == 200);
  }
  auto missing = cli.Get("/v1/jobs/no-such-job");
  REQUIRE(missing);
  CHECK(missing->status == 404);
  auto invalid = cli.Post("/v1/jobs", "{", "application/json");
  REQUIRE(invalid);
  CHECK(invalid->status == 400);
  // nginx refuses this one itself, in troupe's error shape.
  auto too_large = cli.Post("/v1/jobs", std::string(2 << 20, ' '), "application/json");
  REQUIRE(too_large);
  CHECK(too_large->status == 413);
  CHECK(json::parse(too_large->body)["error"]["code"] == "payload_too_large");
  require_conformance(log);
}

TEST_CASE("10,000 idle and slow connections through nginx leave a normal client served") {
  constexpr int held_connections = 10000;
  // Room for the held connections (root may also raise the hard limit).
  rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  constexpr rlim_t needed = held_connections + 500;
  lim.rlim_cur = std::max(lim.rlim_max, needed);
  lim.rlim_max = lim.rlim_cur;
  if (setrlimit(RLIMIT_NOFILE, &lim) != 0) {
    getrlimit(RLIMIT_NOFILE, &lim);
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
  getrlimit(RLIMIT_NOFILE, &lim);
  INFO("the open-file limit must allow " << held_connections << " connections");
  REQUIRE(lim.rlim_cur >= needed);

  scratch_dir dir;
  server troupe{{"--http", "127.0.0.1:0", "--store", "memory", "--workers", "2"},
                dir.file("server.log")};
  nginx_front nginx{dir, troupe.port};
  std::vector<raw_connection> held;
  held.reserve(held_connections);
  for (int i = 0; i < held_connections; ++i) {
    held.emplace_back(nginx.port);
    if (i % 2 == 1)
      held.back().send_text("POST /v1/jobs HTTP/1.1\r\nHost: t\r\n");
  }
  require_normal_client_served(nginx.port);
}

} // namespace troupe::test
