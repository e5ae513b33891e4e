// Hostile peers of the node port against the real `troupe serve`: a frame
// that used to crash the server, headers that used to make it allocate
// gigabytes, and idle connections that used to keep nodes out. The server
// drops them, keeps serving, and real nodes join all the while.
#include "support/node_cluster.hpp"
#include "support/raw_connection.hpp"
#include "support/test_ca.hpp"

#include <fstream>

namespace troupe::test {

namespace {

/// A BASP header: `operation`, no flags, `payload` bytes announced.
std::string header(uint8_t operation, uint32_t payload) {
  std::string out(32, '\0');
  out[0] = static_cast<char>(operation);
  for (int i = 0; i < 4; ++i)
    out[4 + i] = static_cast<char>((payload >> (8 * (3 - i))) & 0xff);
  return out;
}

/// The server's resident set in MiB.
long rss_mib(const server& s) {
  std::ifstream status{"/proc/" + std::to_string(s.proc.pid()) + "/status"};
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmRSS:", 0) == 0)
      return std::stol(line.substr(6)) / 1024;
  return -1;
}

/// Requires the server alive and its API served.
void require_serving(const node_server& srv) {
  CHECK(get_json(srv.s, "/healthz")["status"] == "ok");
}

} // namespace

TEST_CASE("the 32-byte frame that crashed the server is dropped, and nodes still join") {
  scratch_dir dir;
  node_server srv{dir.file("server.log"), {"--store", "memory"}};
  for (int i = 0; i < 3; ++i) {
    raw_connection peer{srv.port};
    peer.send_text(header(0x01, 0));
    CHECK(peer.wait_closed());
  }
  require_serving(srv);
  auto n1 = start_node(dir, srv, "n1");
  auto id = submit(srv.s, R"({"type":"echo","payload":1})");
  CHECK(wait_for_job(srv.s, id)["status"] == "success");
  CHECK_THAT(read_file(srv.s.log), Catch::Contains("without a payload"));
}

TEST_CASE("a header announcing 4 GiB is dropped before the server allocates it") {
  scratch_dir dir;
  node_server srv{dir.file("server.log"), {"--store", "memory"}};
  auto n1 = start_node(dir, srv, "n1");
  auto before = rss_mib(srv.s);
  std::vector<raw_connection> peers;
  for (int i = 0; i < 2; ++i) {
    peers.emplace_back(srv.port);
    peers.back().send_text(header(0x01, 0xffffffffu));
  }
  for (auto& peer : peers)
    CHECK(peer.wait_closed());
  CHECK(rss_mib(srv.s) - before < 64);
  require_serving(srv);
  // The real node was not disturbed.
  auto stats = get_json(srv.s, "/v1/stats");
  CHECK(stats["nodes"]["connected"] == 1);
  CHECK(stats["nodes"]["losses"] == 0);
  CHECK_THAT(read_file(srv.s.log), Catch::Contains("4294967295 bytes"));
}

TEST_CASE("idle connections to the node port cannot keep a node from joining") {
  scratch_dir dir;
  node_server srv{dir.file("server.log"), {"--store", "memory"}};
  std::vector<raw_connection> idle;
  for (int i = 0; i < 300; ++i)
    idle.emplace_back(srv.port);
  require_serving(srv);
  auto n1 = start_node(dir, srv, "n1");
  auto id = submit(srv.s, R"({"type":"echo","payload":2})");
  CHECK(wait_for_job(srv.s, id)["status"] == "success");
  // Those beyond the room for unjoined connections were closed to make it.
  size_t closed = 0;
  for (auto& conn : idle)
    closed += conn.wait_closed() ? 1 : 0;
  CHECK(closed >= 300 - 16);
}

TEST_CASE("a peer with a node certificate cannot crash the server over TLS") {
  scratch_dir dir;
  test_ca ca{dir, "cluster-ca"};
  ca.issue("server");
  ca.issue("mallory");
  ca.issue("n1");
  node_server srv{dir.file("server.log"), ca.flags("server")};
  auto frame = dir.file("frame.bin");
  std::ofstream{frame, std::ios::binary} << header(0x01, 0);
  auto sent =
    run_command("timeout 10 openssl s_client -quiet -connect 127.0.0.1:" + std::to_string(srv.port)
                + " -cert " + dir.file("mallory.pem") + " -key " + dir.file("mallory.key")
                + " -CAfile " + ca.cert() + " < " + frame + " > /dev/null 2>&1");
  CHECK(sent.exit_code != 124); // the server closed the connection, not the timeout
  require_serving(srv);
  auto flags = ca.flags("n1");
  auto n1 = node_process{dir.file("n1.log"), node_argv(srv, "n1", flags)};
  auto id = submit(srv.s, R"({"type":"echo","payload":3})");
  CHECK(wait_for_job(srv.s, id)["status"] == "success");
  CHECK_THAT(read_file(srv.s.log), Catch::Contains("without a payload"));
}

} // namespace troupe::test
