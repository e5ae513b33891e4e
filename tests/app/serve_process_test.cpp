// Black-box tests of the real binary: `build/bin/troupe serve` as a process
// on 127.0.0.1, driven with curl, stopped by PID.
#include "support/process.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace troupe::test;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

struct curl_result {
  int status = 0;
  std::string body;
};

/// Runs curl with `args`; the last output line is the HTTP status.
curl_result curl(const std::string& args) {
  auto pipe = popen(("curl -s -w '\\n%{http_code}' " + args).c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string out;
  char buf[4096];
  while (auto n = fread(buf, 1, sizeof(buf), pipe))
    out.append(buf, n);
  pclose(pipe);
  auto nl = out.rfind('\n');
  REQUIRE(nl != std::string::npos);
  return {std::stoi(out.substr(nl + 1)), out.substr(0, nl)};
}

std::string temp_file(const std::string& name) {
  return (std::filesystem::temp_directory_path()
          / ("troupe-" + std::to_string(::getpid()) + "-" + name))
    .string();
}

std::string read_file(const std::string& path) {
  std::ifstream in{path};
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

/// A running `troupe serve`; knows its base URL once it printed it.
struct server {
  explicit server(std::vector<std::string> flags, std::vector<std::string> env = {})
    : log(temp_file("serve.log")), proc(with_binary(std::move(flags)), std::move(env), log) {
    auto line = proc.read_line(10s);
    REQUIRE(line);
    auto at = line->find("http://");
    REQUIRE(at != std::string::npos);
    url = line->substr(at);
  }

  ~server() { std::filesystem::remove(log); }

  static std::vector<std::string> with_binary(std::vector<std::string> flags) {
    flags.insert(flags.begin(), {TROUPE_BINARY, "serve"});
    return flags;
  }

  std::string log;
  child_process proc;
  std::string url;
};

std::string submit(const server& s, const std::string& body) {
  auto res = curl("-X POST -H 'Content-Type: application/json' -d '" + body + "' " + s.url
                  + "/v1/jobs");
  REQUIRE(res.status == 202);
  return json::parse(res.body).at("id");
}

} // namespace

TEST_CASE("troupe serve prints its URL, serves curl and exits 0 on SIGTERM") {
  server s{{"--http", "127.0.0.1:0", "--workers", "2"}};
  CHECK_THAT(s.url, Catch::StartsWith("http://127.0.0.1:"));
  CHECK_FALSE(s.url.substr(s.url.rfind(':') + 1) == "0");
  auto id = submit(s, R"({"type":"sha256","payload":{"data":"abc"}})");
  auto done = curl("'" + s.url + "/v1/jobs/" + id + "?wait_ms=10000'");
  CHECK(done.status == 200);
  auto job = json::parse(done.body);
  CHECK(job["status"] == "success");
  CHECK(job["result"]["hex"]
        == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(curl(s.url + "/healthz").status == 200);
  s.proc.signal(SIGTERM);
  CHECK(s.proc.wait_exit(20s) == 0);
}

TEST_CASE("on SIGTERM the server refuses new jobs while the running one finishes") {
  server s{{"--http", "127.0.0.1:0", "--workers", "1", "--shutdown-timeout", "30"}};
  auto id = submit(s, R"({"type":"sleep","payload":{"ms":1500}})");
  auto is_running = [&] {
    return json::parse(curl(s.url + "/v1/jobs/" + id).body)["status"] == "running";
  };
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!is_running() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::yield();
  REQUIRE(is_running());
  s.proc.signal(SIGTERM);
  // readyz turns 503 once the shutdown has begun: wait for that event.
  deadline = std::chrono::steady_clock::now() + 10s;
  while (curl(s.url + "/readyz").status != 503 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::yield();
  auto refused = curl("-X POST -d '{\"type\":\"echo\"}' " + s.url + "/v1/jobs");
  CHECK(refused.status == 503);
  CHECK(json::parse(refused.body)["error"]["code"] == "shutting_down");
  auto job = json::parse(curl("'" + s.url + "/v1/jobs/" + id + "?wait_ms=10000'").body);
  CHECK(job["status"] == "success");
  CHECK(s.proc.wait_exit(20s) == 0);
  CHECK_THAT(read_file(s.log), Catch::Contains("1 succeeded"));
}

TEST_CASE("TROUPE_HTTP sets the listen address when --http is absent") {
  server s{{"--workers", "1"}, {"TROUPE_HTTP=127.0.0.1:0"}};
  CHECK(curl(s.url + "/healthz").status == 200);
  s.proc.signal(SIGINT);
  CHECK(s.proc.wait_exit(20s) == 0);
}

TEST_CASE("a bad flag exits with code 2 and names the flag") {
  auto log = temp_file("badflag.log");
  child_process proc{{TROUPE_BINARY, "serve", "--workers", "lots"}, {}, log};
  CHECK(proc.wait_exit(10s) == 2);
  CHECK_THAT(read_file(log), Catch::Contains("--workers"));
  std::filesystem::remove(log);
}

TEST_CASE("a port already in use exits with code 1 and says so") {
  server first{{"--http", "127.0.0.1:0", "--workers", "1"}};
  auto port = first.url.substr(first.url.rfind(':') + 1);
  auto log = temp_file("inuse.log");
  child_process second{{TROUPE_BINARY, "serve", "--http", "127.0.0.1:" + port}, {}, log};
  CHECK(second.wait_exit(10s) == 1);
  CHECK_THAT(read_file(log), Catch::Contains("cannot listen"));
  std::filesystem::remove(log);
  first.proc.signal(SIGTERM);
  CHECK(first.proc.wait_exit(20s) == 0);
}
