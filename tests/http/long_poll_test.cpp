// Long-polls against the real `troupe serve`: a waiting client costs a
// connection, not a thread, so hundreds of them leave the server serving, and
// one that leaves is let go at once.
#include "support/normal_client.hpp"
#include "support/raw_connection.hpp"
#include "support/server_process.hpp"

#include <regex>

namespace troupe::test {

namespace {

using json = nlohmann::json;

/// The value of an unlabelled sample of `/metrics`.
double metric(const server& s, const std::string& name) {
  auto res = curl(s.url + "/metrics");
  REQUIRE(res.status == 200);
  std::smatch m;
  REQUIRE(std::regex_search(res.body, m, std::regex{"\n" + name + " ([0-9.e+]+)\n"}));
  return std::stod(m[1]);
}

/// Polls `/metrics` until `name` equals `value`; returns whether it did
/// within the limit.
bool metric_reaches(const server& s, const std::string& name, double value) {
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline)
    if (metric(s, name) == value)
      return true;
  return false;
}

std::string long_poll(const std::string& id) {
  return "GET /v1/jobs/" + id + "?wait_ms=60000 HTTP/1.1\r\nHost: t\r\n\r\n";
}

} // namespace

TEST_CASE("hundreds of waiting long-polls leave the health check and submissions served") {
  scratch_dir dir;
  server s{{"--http", "127.0.0.1:0", "--store", "memory", "--workers", "1"},
           dir.file("server.log")};
  auto blocker = submit(s, R"({"type":"sleep","payload":{"ms":60000}})");
  std::vector<raw_connection> waiting;
  for (int i = 0; i < 500; ++i) {
    waiting.emplace_back(s.port);
    waiting.back().send_text(long_poll(blocker));
  }
  // Every long-poll is open (plus the one /metrics asks on).
  REQUIRE(metric_reaches(s, "troupe_http_connections", 501));
  require_normal_client_served(s.port);
  auto cancelled = curl("-X DELETE " + s.url + "/v1/jobs/" + blocker);
  CHECK(cancelled.status == 202);
  // The job ends: every waiting client gets its answer.
  for (auto& conn : waiting) {
    auto res = conn.read_response();
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(json::parse(res->body)["status"] == "cancelled");
  }
}

TEST_CASE("a client that leaves while its long-poll waits is let go at once") {
  scratch_dir dir;
  server s{{"--http", "127.0.0.1:0", "--store", "memory", "--workers", "1"},
           dir.file("server.log")};
  auto blocker = submit(s, R"({"type":"sleep","payload":{"ms":60000}})");
  std::vector<raw_connection> staying, leaving;
  for (int i = 0; i < 20; ++i) {
    staying.emplace_back(s.port);
    staying.back().send_text(long_poll(blocker));
    leaving.emplace_back(s.port);
    leaving.back().send_text(long_poll(blocker));
  }
  REQUIRE(metric_reaches(s, "troupe_http_connections", 41));
  leaving.clear();
  // Well before the 60 s wait ends, the server closed the other side.
  CHECK(metric_reaches(s, "troupe_http_connections", 21));
  CHECK(metric(s, "troupe_http_abandoned_total") == 20);
  // Those that stayed still get their answer.
  curl("-X DELETE " + s.url + "/v1/jobs/" + blocker);
  for (auto& conn : staying) {
    auto res = conn.read_response();
    REQUIRE(res);
    CHECK(json::parse(res->body)["status"] == "cancelled");
  }
}

TEST_CASE("a long-poll pipelined behind other requests is answered in its turn") {
  scratch_dir dir;
  server s{{"--http", "127.0.0.1:0", "--store", "memory"}, dir.file("server.log")};
  auto id = submit(s, R"({"type":"sleep","payload":{"ms":200}})");
  raw_connection conn{s.port};
  conn.send_text(long_poll(id) + "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n");
  auto first = conn.read_response();
  REQUIRE(first);
  CHECK(json::parse(first->body)["status"] == "success");
  auto second = conn.read_response();
  REQUIRE(second);
  CHECK(second->body == R"({"status":"ok"})");
}

} // namespace troupe::test
