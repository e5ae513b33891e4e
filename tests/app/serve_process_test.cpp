// Black-box tests of the real binary: `build/bin/troupe serve` as a process
// on 127.0.0.1, driven with curl, stopped by PID.
#include "support/server_process.hpp"

#include <future>

using namespace troupe::test;
using json = nlohmann::json;
using namespace std::chrono_literals;

TEST_CASE("troupe serve prints its URL, serves curl and exits 0 on SIGTERM") {
  scratch_dir dir;
  server s{{"--http", "127.0.0.1:0", "--workers", "2", "--store", dir.sqlite_store()},
           dir.file("serve.log")};
  CHECK_THAT(s.url, Catch::StartsWith("http://127.0.0.1:"));
  CHECK_FALSE(s.url.substr(s.url.rfind(':') + 1) == "0");
  auto id = submit(s, R"({"type":"sha256","payload":{"data":"abc"}})");
  auto done = curl("'" + s.url + "/v1/jobs/" + id + "?wait_ms=10000'");
  CHECK(done.status == 200);
  auto job = json::parse(done.body);
  CHECK(job["status"] == "success");
  CHECK(job["result"]["hex"] == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(curl(s.url + "/healthz").status == 200);
  s.proc.signal(SIGTERM);
  CHECK(s.proc.wait_exit(20s) == 0);
}

TEST_CASE("on SIGTERM the server refuses new jobs while the running one finishes") {
  scratch_dir dir;
  server s{{"--http", "127.0.0.1:0", "--workers", "1", "--shutdown-timeout", "30", "--store",
            dir.sqlite_store()},
           dir.file("serve.log")};
  auto id = submit(s, R"({"type":"sleep","payload":{"ms":1500}})");
  auto is_running = [&] {
    return json::parse(curl(s.url + "/v1/jobs/" + id).body)["status"] == "running";
  };
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!is_running() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::yield();
  REQUIRE(is_running());
  // The waiting client asks before the signal, as one would that was already waiting.
  auto waited = std::async(
    std::launch::async, [&] { return curl("'" + s.url + "/v1/jobs/" + id + "?wait_ms=10000'"); });
  s.proc.signal(SIGTERM);
  // readyz turns 503 once the shutdown has begun: wait for that event.
  deadline = std::chrono::steady_clock::now() + 10s;
  while (curl(s.url + "/readyz").status != 503 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::yield();
  auto refused = curl("-X POST -d '{\"type\":\"echo\"}' " + s.url + "/v1/jobs");
  CHECK(refused.status == 503);
  CHECK(json::parse(refused.body)["error"]["code"] == "shutting_down");
  auto answer = waited.get();
  INFO(answer.body);
  auto job = json::parse(answer.body);
  CHECK(job["status"] == "success");
  CHECK(s.proc.wait_exit(20s) == 0);
  CHECK_THAT(read_file(s.log), Catch::Contains("1 succeeded"));
}

TEST_CASE("a client waiting on a job left for the next start gets its state when the drain ends") {
  scratch_dir dir;
  server s{{"--http", "127.0.0.1:0", "--workers", "1", "--prefetch", "0", "--shutdown-timeout",
            "30", "--store", dir.sqlite_store()},
           dir.file("serve.log")};
  auto running = submit(s, R"({"type":"sleep","payload":{"ms":1000}})");
  auto queued = submit(s, R"({"type":"sleep","payload":{"ms":1000}})");
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (json::parse(curl(s.url + "/v1/jobs/" + running).body)["status"] != "running"
         && std::chrono::steady_clock::now() < deadline)
    std::this_thread::yield();
  auto waited = std::async(std::launch::async, [&] {
    return curl("'" + s.url + "/v1/jobs/" + queued + "?wait_ms=60000'");
  });
  s.proc.signal(SIGTERM);
  auto answer = waited.get();
  INFO(answer.body);
  CHECK(answer.status == 200);
  CHECK(json::parse(answer.body)["status"] == "pending");
  CHECK(s.proc.wait_exit(20s) == 0);
  CHECK_THAT(read_file(s.log), Catch::Contains("1 left for the next start"));
}

TEST_CASE("TROUPE_HTTP sets the listen address when --http is absent") {
  scratch_dir dir;
  server s{{"--workers", "1"},
           dir.file("serve.log"),
           {"TROUPE_HTTP=127.0.0.1:0", "TROUPE_STORE=" + dir.sqlite_store()}};
  CHECK(curl(s.url + "/healthz").status == 200);
  s.proc.signal(SIGINT);
  CHECK(s.proc.wait_exit(20s) == 0);
}

TEST_CASE("a bad flag exits with code 2 and names the flag") {
  scratch_dir dir;
  auto log = dir.file("badflag.log");
  child_process proc{{TROUPE_BINARY, "serve", "--workers", "lots"}, {}, log};
  CHECK(proc.wait_exit(10s) == 2);
  CHECK_THAT(read_file(log), Catch::Contains("--workers"));
}

TEST_CASE("a port already in use exits with code 1 and says so") {
  scratch_dir dir;
  server first{{"--http", "127.0.0.1:0", "--workers", "1", "--store", "memory"},
               dir.file("first.log")};
  auto log = dir.file("inuse.log");
  child_process second{{TROUPE_BINARY, "serve", "--http", "127.0.0.1:" + std::to_string(first.port),
                        "--store", "memory"},
                       {},
                       log};
  CHECK(second.wait_exit(10s) == 1);
  CHECK_THAT(read_file(log), Catch::Contains("cannot listen"));
  first.proc.signal(SIGTERM);
  CHECK(first.proc.wait_exit(20s) == 0);
}
