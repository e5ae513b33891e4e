// Hostile and ambiguous input against the real `troupe serve`: refused with
// the API's error shape, the connection closed after a framing error, and
// the server serving on.
#include "support/normal_client.hpp"
#include "support/raw_connection.hpp"
#include "support/server_process.hpp"

namespace troupe::test {

namespace {

using json = nlohmann::json;

server start_server(const scratch_dir& dir) {
  return server{{"--http", "127.0.0.1:0", "--store", "memory", "--workers", "1"},
                dir.file("server.log")};
}

/// Sends `request` on a fresh connection; requires one answer in the error
/// shape with `status` and `code`, and then the connection closed.
void require_refused_and_closed(const server& s, const std::string& request, int status,
                                const std::string& code) {
  raw_connection conn{s.port};
  conn.send_text(request);
  auto res = conn.read_response();
  REQUIRE(res);
  CHECK(res->status == status);
  auto body = json::parse(res->body);
  CHECK(body["error"]["code"] == code);
  CHECK(conn.wait_closed());
}

std::string post(const std::string& headers, const std::string& body) {
  return "POST /v1/jobs HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n" + headers
         + "\r\n" + body;
}

} // namespace

TEST_CASE("ambiguous framing is refused 400 and the connection closes") {
  scratch_dir dir;
  auto s = start_server(dir);
  std::string body = R"({"type":"echo"})";
  auto length = std::to_string(body.size());
  for (auto& request :
       {post("Content-Length : " + length + "\r\n", body),
        post("Content-Length: " + length + "\r\nContent-Length: 99\r\n", body),
        post("Content-Length: " + length + "\r\nTransfer-Encoding: chunked\r\n", body),
        post("Transfer-Encoding: gzip\r\n", body),
        post("Transfer-Encoding: chunked, chunked\r\n", "0\r\n\r\n"),
        post("Bad Name: x\r\nContent-Length: " + length + "\r\n", body),
        post(std::string{"X-Nul: a"} + '\0' + "b\r\nContent-Length: " + length + "\r\n", body)}) {
    INFO(request);
    require_refused_and_closed(s, request, 400, "bad_request");
  }
  require_normal_client_served(s.port);
}

TEST_CASE("after a framing error nothing more on the connection is answered") {
  scratch_dir dir;
  auto s = start_server(dir);
  raw_connection conn{s.port};
  // A megabyte of blank lines once drew 262,144 answers.
  conn.send_text(std::string(1 << 20, '\n') + "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n");
  auto first = conn.read_response();
  REQUIRE(first);
  CHECK(first->status == 400);
  CHECK(conn.wait_closed());
  CHECK_FALSE(conn.read_response());
  require_normal_client_served(s.port);
}

TEST_CASE("a body with anything after its JSON, or a key twice, is invalid_json") {
  scratch_dir dir;
  auto s = start_server(dir);
  for (auto body : {std::string{R"({"type":"echo"})"} + '\0' + "garbage",
                    std::string{R"({"type":"echo","type":"fail"})"},
                    std::string{R"({"type":"echo"} {"type":"echo"})"}}) {
    INFO(body);
    raw_connection conn{s.port};
    conn.send_text(post("Content-Length: " + std::to_string(body.size()) + "\r\n", body));
    auto res = conn.read_response();
    REQUIRE(res);
    CHECK(res->status == 400);
    CHECK(json::parse(res->body)["error"]["code"] == "invalid_json");
  }
  CHECK(get_json(s, "/v1/stats")["submitted_total"] == 0);
}

TEST_CASE("times that cannot be times and numbers a double cannot keep are refused") {
  scratch_dir dir;
  auto s = start_server(dir);
  struct bad_case {
    std::string body;
    std::string field;
  };
  for (auto& c : {bad_case{R"({"type":"echo","delay_ms":9000000000000000000})", "delay_ms"},
                  bad_case{R"({"type":"echo","timeout_ms":9223372036854775807})", "timeout_ms"},
                  bad_case{R"({"type":"echo","payload":18446744073709551617})", "payload"},
                  bad_case{R"({"type":"echo","payload":{"x":1e-400}})", "payload"}}) {
    INFO(c.body);
    auto res = curl("-X POST -d '" + c.body + "' " + s.url + "/v1/jobs");
    CHECK(res.status == 400);
    auto err = json::parse(res.body)["error"];
    CHECK(err["code"] == "invalid_field");
    CHECK_THAT(err["message"].get<std::string>(), Catch::Contains(c.field));
  }
  CHECK(get_json(s, "/v1/stats")["submitted_total"] == 0);
}

TEST_CASE("a payload comes back exactly as it was sent") {
  scratch_dir dir;
  auto s = start_server(dir);
  std::string payload = R"({"big":123456789012345678,"small":0.1,"text":"é"})";
  auto id = submit(s, R"({"type":"echo","payload":)" + payload + "}");
  auto res = curl(s.url + "/v1/jobs/" + id);
  REQUIRE(res.status == 200);
  CHECK_THAT(res.body, Catch::Contains(R"("payload":)" + payload));
}

TEST_CASE("a job id that is not UTF-8 is not_found, without internals") {
  scratch_dir dir;
  auto s = start_server(dir);
  for (auto path : {"/v1/jobs/%ff%fe", "/v1/jobs/%00", "/v1/jobs/%ff%fe/retry"}) {
    INFO(path);
    auto res = curl(std::string{path}.find("retry") != std::string::npos
                      ? "-X POST " + s.url + path
                      : s.url + path);
    CHECK(res.status == 404);
    auto body = json::parse(res.body);
    CHECK(body["error"]["code"] == "not_found");
    CHECK(body["error"]["message"] == "no job with that id");
  }
}

} // namespace troupe::test
