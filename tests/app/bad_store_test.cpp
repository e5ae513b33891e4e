// A store `troupe serve` cannot use stops it at start, with exit code 1 and a
// message that says what is wrong, before it accepts anything.
#include "support/server_process.hpp"

#include <fstream>

using namespace troupe::test;

namespace {

/// Runs `troupe serve` on `store` and returns its exit code; its stderr is
/// appended to `log`.
std::optional<int> serve_exit_code(const std::string& store, const std::string& log) {
  child_process proc{{TROUPE_BINARY, "serve", "--http", "127.0.0.1:0", "--store", store}, {}, log};
  return proc.wait_exit(20s);
}

} // namespace

TEST_CASE("a store file that is not a database stops the server with exit code 1") {
  scratch_dir dir;
  auto path = dir.file("troupe.db");
  std::ofstream{path} << std::string(10000, '#');
  CHECK(serve_exit_code("sqlite:" + path, dir.file("serve.log")) == 1);
  CHECK_THAT(read_file(dir.file("serve.log")), Catch::Contains("not a usable troupe database"));
  CHECK(read_file(path) == std::string(10000, '#'));
}

TEST_CASE("a second server on a store in use exits 1 and the first keeps serving") {
  scratch_dir dir;
  server first{{"--http", "127.0.0.1:0", "--store", dir.sqlite_store()}, dir.file("first.log")};
  auto id = submit(first, R"({"type":"echo","payload":{"n":1}})");
  CHECK(serve_exit_code(dir.sqlite_store(), dir.file("second.log")) == 1);
  CHECK_THAT(read_file(dir.file("second.log")), Catch::Contains("in use by another process"));
  auto job = curl("'" + first.url + "/v1/jobs/" + id + "?wait_ms=10000'");
  CHECK(job.status == 200);
  CHECK(nlohmann::json::parse(job.body)["status"] == "success");
  first.proc.signal(SIGTERM);
  CHECK(first.proc.wait_exit(20s) == 0);
}

TEST_CASE("a store path that cannot be created exits 1 and names the directory") {
  scratch_dir dir;
  std::ofstream{dir.file("not-a-dir")} << "x";
  CHECK(serve_exit_code("sqlite:" + dir.file("not-a-dir") + "/troupe.db", dir.file("serve.log"))
        == 1);
  CHECK_THAT(read_file(dir.file("serve.log")),
             Catch::Contains("cannot use the job store") && Catch::Contains("not-a-dir"));
}
