// Which answers are gzipped, against the real `troupe serve`: clients that
// accept gzip (Go, Python, browsers) must not pay for compressing a small job.
#include "support/openapi_contract.hpp"
#include "support/server_process.hpp"

#include "detail/compression.hpp"

#include <httplib.h>

namespace troupe::test {

namespace {

using json = nlohmann::json;

const httplib::Headers accepts_gzip{{"Accept-Encoding", "gzip, deflate"}};

httplib::Client raw_client(uint16_t port) {
  httplib::Client cli{"127.0.0.1", port};
  cli.set_read_timeout(10, 0);
  cli.set_decompress(false);
  return cli;
}

} // namespace

TEST_CASE("a small JSON answer is not compressed even when the client accepts gzip") {
  scratch_dir dir;
  server s{{"--http", "127.0.0.1:0", "--store", "memory"}, dir.file("server.log")};
  auto cli = raw_client(s.port);
  auto res =
    cli.Post("/v1/jobs", accepts_gzip, R"({"type":"echo","payload":1})", "application/json");
  REQUIRE(res);
  CHECK(res->status == 202);
  CHECK_FALSE(res->has_header("Content-Encoding"));
  CHECK(res->get_header_value("Content-Type") == "application/json; charset=utf-8");
  CHECK(res->get_header_value("Vary") == "Accept-Encoding");
  CHECK(json::parse(res->body)["payload"] == 1);
}

TEST_CASE("a large listing is gzipped for a client that accepts it, and only for it") {
  scratch_dir dir;
  server s{{"--http", "127.0.0.1:0", "--store", "memory", "--compress-min-bytes", "2048"},
           dir.file("server.log")};
  for (int i = 0; i < 30; ++i)
    submit(s, R"({"type":"echo","payload":{"n":)" + std::to_string(i) + "}}");
  auto cli = raw_client(s.port);
  auto plain = cli.Get("/v1/jobs?limit=30");
  REQUIRE(plain);
  CHECK_FALSE(plain->has_header("Content-Encoding"));
  REQUIRE(plain->body.size() >= 2048);

  auto packed = cli.Get("/v1/jobs?limit=30", accepts_gzip);
  REQUIRE(packed);
  CHECK(packed->get_header_value("Content-Encoding") == "gzip");
  CHECK(packed->body.size() < plain->body.size() / 3);

  contract_log log;
  httplib::Client inflating{"127.0.0.1", s.port};
  check_answers(inflating, log);
  auto inflated = inflating.Get("/v1/jobs?limit=30", accepts_gzip);
  REQUIRE(inflated);
  auto jobs = json::parse(inflated->body)["jobs"];
  CHECK(jobs.size() == 30);
  require_conformance(log);
}

TEST_CASE("gzip is accepted by name, by wildcard and unless its quality is zero") {
  using http::detail::accepts_gzip;
  CHECK(accepts_gzip("gzip"));
  CHECK(accepts_gzip("deflate, GZIP;q=0.5"));
  CHECK(accepts_gzip("br, *"));
  CHECK_FALSE(accepts_gzip(""));
  CHECK_FALSE(accepts_gzip("identity"));
  CHECK_FALSE(accepts_gzip("gzip;q=0"));
  CHECK_FALSE(accepts_gzip("br, gzip; q=0.0"));
}

} // namespace troupe::test
