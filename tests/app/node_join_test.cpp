// `troupe worker` joining a real `troupe serve --nodes` and running its jobs
// (work in progress for issue 10).
#include "support/server_process.hpp"

namespace troupe::test {

namespace {

/// A server that accepts nodes; knows its node address.
struct node_server {
  explicit node_server(const scratch_dir& dir)
      : s(
        {"--http", "127.0.0.1:0", "--store", "memory", "--workers", "1", "--nodes", "127.0.0.1:0"},
        dir.file("server.log")) {
    auto line = s.proc.read_line(30s);
    REQUIRE(line);
    REQUIRE(line->rfind("troupe: nodes on ", 0) == 0);
    nodes = line->substr(17);
  }

  server s;
  std::string nodes;
};

child_process start_worker(const std::string& log, std::vector<std::string> flags) {
  flags.insert(flags.begin(), {TROUPE_BINARY, "worker"});
  return child_process{std::move(flags), {}, log};
}

} // namespace

TEST_CASE("a node joins a server under its name, and a second node of that name is refused") {
  scratch_dir dir;
  node_server srv{dir};
  auto first = start_worker(dir.file("first.log"), {"--join", srv.nodes, "--name", "n1"});
  auto joined = first.read_line(30s);
  REQUIRE(joined);
  CHECK(*joined == "troupe: joined " + srv.nodes + " as n1");

  auto second = start_worker(dir.file("second.log"), {"--join", srv.nodes, "--name", "n1"});
  CHECK(second.wait_exit(30s) == 1);
  CHECK(read_file(dir.file("second.log")).find("a node named n1 is connected")
        != std::string::npos);

  // Once the first node is gone, its name is free.
  first.signal(SIGTERM);
  CHECK(first.wait_exit(30s) == 0);
  auto third = start_worker(dir.file("third.log"), {"--join", srv.nodes, "--name", "n1"});
  auto rejoined = third.read_line(30s);
  REQUIRE(rejoined);
  CHECK(*rejoined == "troupe: joined " + srv.nodes + " as n1");
}

TEST_CASE("a node's workers run the server's jobs and are named after the node") {
  scratch_dir dir;
  node_server srv{dir};
  auto node =
    start_worker(dir.file("node.log"), {"--join", srv.nodes, "--name", "n1", "--workers", "2"});
  REQUIRE(node.read_line(30s));
  std::vector<std::string> ids;
  for (int i = 0; i < 6; ++i)
    ids.push_back(submit(srv.s, R"({"type":"sleep","payload":{"ms":100}})"));
  int on_node = 0;
  for (auto& id : ids) {
    auto job = nlohmann::json::parse(curl(srv.s.url + "/v1/jobs/" + id + "?wait_ms=20000").body);
    CHECK(job["status"] == "success");
    if (job["worker"].get<std::string>().rfind("n1/worker-", 0) == 0)
      ++on_node;
  }
  // One local worker and two on the node: the node takes part.
  CHECK(on_node > 0);
}

TEST_CASE("a node with other heartbeat settings than the server's is refused, naming them") {
  scratch_dir dir;
  node_server srv{dir};
  auto node = start_worker(dir.file("node.log"), {"--join", srv.nodes, "--node-heartbeat", "200",
                                                  "--node-timeout", "1000"});
  CHECK(node.wait_exit(30s) == 1);
  CHECK(read_file(dir.file("node.log")).find("differ from the server's (500 ms, 2000 ms)")
        != std::string::npos);
}

TEST_CASE("node flags that cannot work are refused before anything starts, with exit code 2") {
  scratch_dir dir;
  auto partial_tls =
    start_worker(dir.file("tls.log"), {"--join", "127.0.0.1:1", "--node-tls-cert", "cert.pem"});
  CHECK(partial_tls.wait_exit(30s) == 2);
  CHECK(read_file(dir.file("tls.log")).find("go together") != std::string::npos);
  auto plain_remote = start_worker(dir.file("plain.log"), {"--join", "10.1.2.3:9000"});
  CHECK(plain_remote.wait_exit(30s) == 2);
  CHECK(read_file(dir.file("plain.log")).find("plain TCP") != std::string::npos);
  auto short_timeout =
    start_worker(dir.file("timeout.log"),
                 {"--join", "127.0.0.1:1", "--node-heartbeat", "500", "--node-timeout", "1000"});
  CHECK(short_timeout.wait_exit(30s) == 2);
  CHECK(read_file(dir.file("timeout.log")).find("at least 3 heartbeats") != std::string::npos);
}

} // namespace troupe::test
