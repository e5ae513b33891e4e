// Priorities through the real binary: a worker busy on a long job holds
// low-priority jobs in advance, yet the high-priority jobs submitted after
// them start first, and each priority starts in submission order (at the
// default prefetch too, where withdrawn jobs once lost their place).
#include "support/server_process.hpp"

using namespace troupe::test;
using json = nlohmann::json;
using namespace std::chrono_literals;

TEST_CASE("troupe serve starts later high-priority jobs before low ones a busy worker holds") {
  auto prefetch = GENERATE("4", "8");
  scratch_dir dir;
  server s{{"--http", "127.0.0.1:0", "--workers", "1", "--prefetch", prefetch, "--log-level",
            "debug", "--store", dir.sqlite_store()},
           dir.file("serve.log")};
  auto blocker = submit(s, R"({"type":"sleep","payload":{"ms":3000}})");
  std::vector<std::string> low, high;
  for (int i = 0; i < 5; ++i)
    low.push_back(
      submit(s, R"({"type":"echo","priority":1,"payload":{"n":)" + std::to_string(i) + "}}"));
  for (int i = 0; i < 5; ++i)
    high.push_back(
      submit(s, R"({"type":"echo","priority":9,"payload":{"n":)" + std::to_string(i) + "}}"));
  // The test is only meaningful if everything was submitted while the
  // blocker still ran.
  REQUIRE(json::parse(curl(s.url + "/v1/jobs/" + blocker).body)["status"] == "running");
  for (auto& id : low) {
    auto job = json::parse(curl("'" + s.url + "/v1/jobs/" + id + "?wait_ms=20000'").body);
    REQUIRE(job["status"] == "success");
  }
  s.proc.signal(SIGTERM);
  REQUIRE(s.proc.wait_exit(20s) == 0);
  // The order in which attempts started, from the server's log.
  std::vector<std::string> started;
  std::istringstream lines{read_file(s.log)};
  for (std::string line; std::getline(lines, line);) {
    auto at = line.find("job ");
    if (at != std::string::npos && line.find(" attempt ") != std::string::npos)
      started.push_back(line.substr(at + 4, 36));
  }
  std::vector<std::string> expected{blocker};
  expected.insert(expected.end(), high.begin(), high.end());
  expected.insert(expected.end(), low.begin(), low.end());
  CHECK(started == expected);
}
