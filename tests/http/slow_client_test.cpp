// Slow, idle and surplus clients against the real `troupe serve`: they get
// their limits, and a normal client is served all the while.
#include "support/normal_client.hpp"
#include "support/openapi_contract.hpp"
#include "support/raw_connection.hpp"
#include "support/server_process.hpp"

#include <vector>

namespace troupe::test {

namespace {

using json = nlohmann::json;

const std::string healthz = "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n";

server start_server(const scratch_dir& dir, std::vector<std::string> flags) {
  flags.insert(flags.end(), {"--http", "127.0.0.1:0", "--store", "memory", "--workers", "2"});
  return server{std::move(flags), dir.file("server.log")};
}

/// Requires an answer to `method path` that docs/openapi.yaml allows;
/// returns it.
raw_response conforming(const std::string& method, const std::string& path,
                        std::optional<raw_response> res) {
  REQUIRE(res);
  contract_log log;
  log.record(method, path, res->status, res->header("Content-Type"), res->body);
  require_conformance(log);
  return std::move(*res);
}

/// Requires an answer to `method path` in the API's error shape, with this
/// status and code, as docs/openapi.yaml documents it.
void require_refusal(const std::string& method, const std::string& path,
                     const std::optional<raw_response>& res, int status, const std::string& code) {
  conforming(method, path, res);
  CHECK(res->status == status);
  auto body = json::parse(res->body);
  CHECK(body["error"]["code"] == code);
  CHECK(body["error"]["message"].is_string());
}

} // namespace

TEST_CASE("a request that does not fully arrive in time is answered 408 and closed") {
  scratch_dir dir;
  auto s = start_server(dir, {"--request-timeout", "300"});
  raw_connection slow{s.port};
  slow.send_text("POST /v1/jobs HTTP/1.1\r\nHost: t\r\nContent-Length: 40\r\n\r\n{\"type\":");
  require_refusal("POST", "/v1/jobs", slow.read_response(), 408, "request_timeout");
  CHECK(slow.wait_closed());
}

TEST_CASE("slow and idle connections do not hold up a normal client") {
  scratch_dir dir;
  auto s = start_server(dir, {});
  std::vector<raw_connection> held;
  for (int i = 0; i < 100; ++i) {
    held.emplace_back(s.port);
    held.back().send_text("POST /v1/jobs HTTP/1.1\r\nHost: t\r\n");
  }
  for (int i = 0; i < 100; ++i)
    held.emplace_back(s.port);
  require_normal_client_served(s.port);
}

TEST_CASE("a connection beyond the cap is refused with 503 at once") {
  scratch_dir dir;
  auto s = start_server(dir, {"--max-connections", "3", "--busy-idle-timeout", "60000"});
  std::vector<raw_connection> open;
  for (int i = 0; i < 3; ++i) {
    open.emplace_back(s.port);
    open.back().send_text(healthz);
    REQUIRE(conforming("GET", "/healthz", open.back().read_response()).status == 200);
  }
  raw_connection surplus{s.port};
  auto refused = surplus.read_response();
  require_refusal("GET", "/healthz", refused, 503, "too_many_connections");
  CHECK(refused->header("Retry-After") == "1");
  CHECK(surplus.wait_closed());
  // The open ones are still served.
  open.front().send_text(healthz);
  CHECK(conforming("GET", "/healthz", open.front().read_response()).status == 200);
}

TEST_CASE("an idle keep-alive connection is closed after the idle timeout") {
  scratch_dir dir;
  auto s = start_server(dir, {"--idle-timeout", "200"});
  raw_connection conn{s.port};
  conn.send_text(healthz);
  CHECK(conforming("GET", "/healthz", conn.read_response()).status == 200);
  CHECK(conn.wait_closed());
}

TEST_CASE("while over half the connections are open, idle ones get the shorter timeout") {
  scratch_dir dir;
  auto s = start_server(
    dir, {"--max-connections", "6", "--idle-timeout", "600000", "--busy-idle-timeout", "200"});
  std::vector<raw_connection> open;
  for (int i = 0; i < 4; ++i) {
    open.emplace_back(s.port);
    open.back().send_text(healthz);
    REQUIRE(open.back().read_response());
  }
  // With the 10-minute idle timeout, only the busy one can close it within
  // the 10 s read timeout.
  CHECK(open.front().wait_closed());
}

TEST_CASE("a body longer than the limit is refused 413 before it is sent") {
  scratch_dir dir;
  auto s = start_server(dir, {"--max-body", "1024"});
  raw_connection conn{s.port};
  conn.send_text("POST /v1/jobs HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                 "Content-Length: 1000000000\r\n\r\n");
  require_refusal("POST", "/v1/jobs", conn.read_response(), 413, "payload_too_large");
}

TEST_CASE("a header block beyond the limit is refused 431") {
  scratch_dir dir;
  auto s = start_server(dir, {});
  raw_connection conn{s.port};
  conn.send_text("GET /healthz HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(20000, 'a'));
  require_refusal("GET", "/healthz", conn.read_response(), 431, "headers_too_large");
}

TEST_CASE("a client that expects 100-continue gets it once, then its answer") {
  scratch_dir dir;
  auto s = start_server(dir, {});
  std::string body = R"({"type":"echo","payload":"x"})";
  raw_connection conn{s.port};
  conn.send_text("POST /v1/jobs HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                 "Expect: 100-continue\r\nContent-Length: "
                 + std::to_string(body.size()) + "\r\n\r\n");
  auto interim = conn.read_response();
  REQUIRE(interim);
  CHECK(interim->status == 100);
  conn.send_text(body);
  auto res = conforming("POST", "/v1/jobs", conn.read_response());
  CHECK(res.status == 202);
  CHECK(json::parse(res.body)["type"] == "echo");
}

TEST_CASE("a chunked request body is accepted") {
  scratch_dir dir;
  auto s = start_server(dir, {});
  raw_connection conn{s.port};
  conn.send_text("POST /v1/jobs HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                 "Transfer-Encoding: chunked\r\n\r\n"
                 "e\r\n{\"type\":\"echo\"\r\n"
                 "f\r\n,\"payload\":\"c\"}\r\n"
                 "0\r\n\r\n");
  auto res = conforming("POST", "/v1/jobs", conn.read_response());
  CHECK(res.status == 202);
  CHECK(json::parse(res.body)["payload"] == "c");
}

TEST_CASE("pipelined requests are answered in order on one connection") {
  scratch_dir dir;
  auto s = start_server(dir, {});
  raw_connection conn{s.port};
  conn.send_text(healthz + "GET /v1/jobs/nope HTTP/1.1\r\nHost: t\r\n\r\n" + healthz);
  auto first = conforming("GET", "/healthz", conn.read_response());
  auto second = conforming("GET", "/v1/jobs/nope", conn.read_response());
  auto third = conforming("GET", "/healthz", conn.read_response());
  CHECK(first.status == 200);
  CHECK(second.status == 404);
  CHECK(third.status == 200);
}

} // namespace troupe::test
