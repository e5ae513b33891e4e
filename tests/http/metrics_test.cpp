// `/metrics` of the real `troupe serve`, read by Prometheus' own checker
// (`promtool check metrics`), with the listener's connection counts.
#include "support/raw_connection.hpp"
#include "support/server_process.hpp"

#include <regex>

namespace troupe::test {

namespace {

/// Runs `promtool check metrics` on `text`; returns its exit code and output.
command_result promtool_check(const std::string& text, const scratch_dir& dir) {
  auto input = dir.file("metrics.txt");
  std::ofstream{input} << text;
  return run_command("promtool check metrics < " + input + " 2>&1");
}

/// The value of an unlabelled sample.
double sample(const std::string& text, const std::string& name) {
  std::smatch m;
  REQUIRE(std::regex_search(text, m, std::regex{"\n" + name + " ([0-9.e+]+)\n"}));
  return std::stod(m[1]);
}

} // namespace

TEST_CASE("metrics pass promtool and count refused, timed-out and idle connections") {
  scratch_dir dir;
  server s{{"--http", "127.0.0.1:0", "--store", "memory", "--max-connections", "4",
            "--request-timeout", "200", "--idle-timeout", "200"},
           dir.file("server.log")};
  {
    // One request too slow (408), then four held connections and one beyond.
    raw_connection slow{s.port};
    slow.send_text("GET /healthz HTTP/1.1\r\n");
    REQUIRE(slow.read_response()->status == 408);
  }
  std::vector<raw_connection> held;
  for (int i = 0; i < 4; ++i) {
    held.emplace_back(s.port);
    held.back().send_text("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n");
    REQUIRE(held.back().read_response());
  }
  raw_connection surplus{s.port};
  REQUIRE(surplus.read_response()->status == 503);
  // Idle beyond the timeout: the server closes them.
  for (auto& conn : held)
    REQUIRE(conn.wait_closed());
  held.clear();

  auto res = curl(s.url + "/metrics");
  REQUIRE(res.status == 200);
  auto checked = promtool_check(res.body, dir);
  INFO(checked.output);
  CHECK(checked.exit_code == 0);
  CHECK(sample(res.body, "troupe_http_request_timeouts_total") == 1);
  CHECK(sample(res.body, "troupe_http_connections_refused_total") == 1);
  CHECK(sample(res.body, "troupe_http_idle_closed_total") >= 4);
  CHECK(sample(res.body, "troupe_http_connections_accepted_total") >= 6);
  CHECK(sample(res.body, "troupe_http_connections") >= 1);
}

} // namespace troupe::test
