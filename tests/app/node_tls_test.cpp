// Nodes over mutual TLS: a node with a certificate from the cluster's CA
// joins and runs jobs; a node without TLS, or with a certificate from
// another CA, is refused. Certificates are made for the test with the
// openssl tool.
#include "support/node_cluster.hpp"
#include "support/test_ca.hpp"

namespace troupe::test {

namespace {

int join_exit_code(const scratch_dir& dir, const node_server& srv, const std::string& name,
                   std::vector<std::string> flags) {
  auto argv = node_argv(srv, name, flags);
  child_process node{argv, {}, dir.file(name + ".log")};
  auto code = node.wait_exit(30s);
  REQUIRE(code);
  return *code;
}

} // namespace

TEST_CASE("over TLS, a node certified by the cluster's CA joins and others are refused") {
  scratch_dir dir;
  test_ca cluster{dir, "cluster-ca"};
  cluster.issue("server");
  cluster.issue("node");
  test_ca other{dir, "other-ca"};
  other.issue("stranger");

  auto server_flags = cluster.flags("server");
  server_flags.insert(server_flags.begin(), {"--store", "memory", "--workers", "0"});
  node_server srv{dir.file("server.log"), server_flags};

  auto node = start_node(dir, srv, "trusted", cluster.flags("node"));
  auto job = wait_for_job(srv.s, submit(srv.s, R"({"type":"echo","payload":"over tls"})"));
  CHECK(job["status"] == "success");
  CHECK(job["result"] == "over tls");
  CHECK(job["worker"] == "trusted/worker-1");

  // Plain TCP, a certificate from another CA (trusting ours or its own):
  // refused during the handshake, and the server keeps serving.
  CHECK(join_exit_code(dir, srv, "plain", {}) == 1);
  auto stranger = other.flags("stranger");
  CHECK(join_exit_code(dir, srv, "stranger", stranger) == 1);
  stranger.back() = cluster.cert();
  CHECK(join_exit_code(dir, srv, "stranger-trusting-us", stranger) == 1);
  // Only the trusted node ever joined (it may have rejoined: CAF can cut a
  // connection right after its handshake).
  auto workers = get_json(srv.s, "/v1/workers");
  for (auto& n : workers["nodes"])
    CHECK(n["name"] == "trusted");
  auto again = wait_for_job(srv.s, submit(srv.s, R"({"type":"echo","payload":2})"));
  CHECK(again["status"] == "success");
}

TEST_CASE("with one CA for the server and one for nodes, each side trusting the other's, a node "
          "joins") {
  scratch_dir dir;
  test_ca server_ca{dir, "server-ca"};
  server_ca.issue("server");
  test_ca node_ca{dir, "node-ca"};
  node_ca.issue("node");
  node_ca.issue("impostor-server");

  // As in the README: the server trusts only the node CA, nodes only the
  // server CA.
  auto server_flags = server_ca.flags("server");
  server_flags.back() = node_ca.cert();
  server_flags.insert(server_flags.begin(), {"--store", "memory", "--workers", "0"});
  node_server srv{dir.file("server.log"), server_flags};
  auto node_flags = node_ca.flags("node");
  node_flags.back() = server_ca.cert();
  auto node = start_node(dir, srv, "trusted", node_flags);
  auto job = wait_for_job(srv.s, submit(srv.s, R"({"type":"echo","payload":1})"));
  CHECK(job["status"] == "success");
  CHECK(job["worker"] == "trusted/worker-1");

  // A server holding a stolen node key cannot pose as the server: the node
  // refuses it.
  auto impostor_flags = node_ca.flags("impostor-server");
  impostor_flags.back() = node_ca.cert();
  impostor_flags.insert(impostor_flags.begin(), {"--store", "memory", "--workers", "0"});
  node_server impostor{dir.file("impostor.log"), impostor_flags};
  auto to_impostor = node_argv(impostor, "fooled", node_flags);
  child_process fooled{to_impostor, {}, dir.file("fooled.log")};
  CHECK(fooled.wait_exit(30s) == 1);
}

} // namespace troupe::test
