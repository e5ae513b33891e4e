// `troupe worker` joining a real `troupe serve --nodes`: admission, running
// the server's jobs, routing by type, and the flags that cannot work.
#include "support/node_cluster.hpp"

namespace troupe::test {

namespace {

child_process start_worker(const std::string& log, std::vector<std::string> flags) {
  flags.insert(flags.begin(), {TROUPE_BINARY, "worker"});
  return child_process{std::move(flags), {}, log};
}

} // namespace

TEST_CASE("a node joins a server under its name, and a second node of that name is refused") {
  scratch_dir dir;
  node_server srv{dir.file("server.log"), {"--store", "memory", "--workers", "1"}};
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

TEST_CASE("a server without local workers runs every job on its node, named after it") {
  scratch_dir dir;
  node_server srv{dir.file("server.log"), {"--store", "memory", "--workers", "0"}};
  auto node = start_node(dir, srv, "n1", {"--workers", "2"});
  std::vector<std::string> ids;
  for (int i = 0; i < 6; ++i)
    ids.push_back(submit(srv.s, R"({"type":"echo","payload":{"n":)" + std::to_string(i) + "}}"));
  for (size_t i = 0; i < ids.size(); ++i) {
    auto job = wait_for_job(srv.s, ids[i]);
    CHECK(job["status"] == "success");
    CHECK(job["result"] == nlohmann::json{{"n", i}});
    CHECK(job["worker"].get<std::string>().rfind("n1/worker-", 0) == 0);
  }
  auto workers = get_json(srv.s, "/v1/workers");
  CHECK(workers["local"]["workers"] == 0);
  auto n1 = node_named(workers, "n1");
  REQUIRE(n1.is_object());
  CHECK(n1["state"] == "connected");
  CHECK(n1["workers"] == 2);
  CHECK(n1["list"].size() == 2);
  CHECK(n1["address"].get<std::string>().rfind("127.0.0.1:", 0) == 0);
  auto stats = get_json(srv.s, "/v1/stats");
  CHECK(stats["nodes"]["connected"] == 1);
  CHECK(stats["nodes"]["joins"] >= 1);
  CHECK(stats["workers"]["total"] == 2);
}

TEST_CASE("a type only one node serves runs only there, and waits for it without blocking others") {
  scratch_dir dir;
  node_server srv{dir.file("server.log"),
                  {"--store", "memory", "--workers", "1", "--node-types", "greet"}};
  auto other = start_node(dir, srv, "plain", {"--workers", "1"});
  // Accepted before any node serving it joined, thanks to --node-types.
  auto greeting = submit(srv.s, R"({"type":"greet","payload":{"name":"nodes"}})");
  auto unknown = curl("-X POST -H 'Content-Type: application/json' -d '{\"type\":\"resize\"}' "
                      + srv.s.url + "/v1/jobs");
  CHECK(unknown.status == 400);
  CHECK(unknown.body.find("unknown_type") != std::string::npos);
  // Other types run meanwhile, on the local worker and the plain node.
  std::vector<std::string> echoes;
  for (int i = 0; i < 4; ++i)
    echoes.push_back(submit(srv.s, R"({"type":"echo","payload":1})"));
  for (auto& id : echoes)
    CHECK(wait_for_job(srv.s, id)["status"] == "success");
  auto waiting = get_json(srv.s, "/v1/jobs/" + greeting);
  CHECK(waiting["status"] == "pending");
  CHECK(waiting["attempts"] == 0);
  CHECK(get_json(srv.s, "/v1/stats")["types"]["greet"]["pending"] == 1);

  node_process greeter{dir.file("greeter.log"), {TROUPE_EXAMPLE_NODE, srv.nodes, "greeter"}};
  auto done = wait_for_job(srv.s, greeting);
  CHECK(done["status"] == "success");
  CHECK(done["result"] == "hello, nodes");
  CHECK(done["attempts"] == 1);
  CHECK(done["worker"].get<std::string>().rfind("greeter/worker-", 0) == 0);
  CHECK(get_json(srv.s, "/v1/stats")["types"]["greet"]["pending"] == 0);
  auto types = node_named(get_json(srv.s, "/v1/workers"), "greeter")["types"];
  CHECK(types == nlohmann::json::array({"greet"}));
}

TEST_CASE("a node with other heartbeat settings than the server's is refused, naming them") {
  scratch_dir dir;
  node_server srv{dir.file("server.log"), {"--store", "memory", "--workers", "1"}};
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
  child_process open_server{
    {TROUPE_BINARY, "serve", "--nodes", "0.0.0.0:0"}, {}, dir.file("open.log")};
  CHECK(open_server.wait_exit(30s) == 2);
  CHECK(read_file(dir.file("open.log")).find("plain TCP") != std::string::npos);
}

TEST_CASE("the server's --log-level governs the engine's lines: a node's arrival is info") {
  auto level = GENERATE(std::string{"info"}, std::string{"warn"});
  scratch_dir dir;
  node_server srv{dir.file("server.log"),
                  {"--store", "memory", "--workers", "1", "--log-level", level}};
  auto node = start_worker(dir.file("n1.log"), {"--join", srv.nodes, "--name", "n1"});
  REQUIRE(node.read_line(30s));
  srv.s.proc.signal(SIGTERM);
  CHECK(srv.s.proc.wait_exit(30s) == 0);
  auto log = read_file(srv.s.log);
  CHECK((log.find("node n1 joined from") != std::string::npos) == (level == "info"));
  CHECK((log.find("received SIGTERM") != std::string::npos) == (level == "info"));
}

} // namespace troupe::test
