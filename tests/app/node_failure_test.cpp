// A node that dies, hangs or loses its server: the server notices within
// the bounds the heartbeat settings promise, ends every attempt the node
// started (its jobs not started go back uncharged), and the jobs finish
// elsewhere; a node that loses its server rejoins.
// Real processes on 127.0.0.1; each re-queue time is printed.
#include "support/node_cluster.hpp"

#include <iostream>

namespace troupe::test {

namespace {

/// Submits `n` sleep jobs of `ms` with `attempts` attempts.
std::vector<std::string> submit_sleeps(const server& s, int n, int ms, int attempts = 3) {
  std::vector<std::string> ids;
  for (int i = 0; i < n; ++i)
    ids.push_back(submit(s, R"({"type":"sleep","payload":{"ms":)" + std::to_string(ms)
                              + R"(},"max_attempts":)" + std::to_string(attempts) + "}"));
  return ids;
}

bool busy(const nlohmann::json& workers, const std::string& node) {
  auto n = node_named(workers, node);
  return n.is_object() && n["busy"].get<int>() > 0;
}

/// Every job succeeded; the node that stayed never started a job more often
/// than the job's recorded attempts, and the lost node at most once more: an
/// attempt counts once its start is known, and a lost node may still start a
/// job it held (unannounced, before it notices the loss) while the server
/// runs it elsewhere. Whatever that stale run reports is discarded.
void check_all_succeeded_within_attempts(const server& s, const std::vector<std::string>& ids,
                                         const std::string& lost_log,
                                         const std::string& surviving_log) {
  std::map<std::string, int> attempts;
  for (auto& id : ids) {
    auto job = wait_for_job(s, id);
    INFO(job.dump());
    CHECK(job["status"] == "success");
    attempts[id] = job["attempts"].get<int>();
  }
  auto on_survivor = attempts_started({surviving_log});
  auto on_both = attempts_started({lost_log, surviving_log});
  for (auto& id : ids) {
    INFO(id);
    CHECK(on_both[id] >= 1);
    CHECK(on_survivor[id] <= attempts[id]);
    CHECK(on_both[id] <= attempts[id] + 1);
  }
}

/// A server without local workers, two nodes, and sleep jobs of which n1
/// runs some when the test begins.
struct busy_nodes {
  busy_nodes()
      : srv(dir.file("server.log"), {"--store", "memory", "--workers", "0"}),
        n1(dir.file("n1.log"), node_argv(srv, "n1", flags())),
        n2(dir.file("n2.log"), node_argv(srv, "n2", flags())), ids(submit_sleeps(srv.s, 8, 1500)) {
    REQUIRE(poll_until(srv.s, "/v1/workers", [](auto& w) { return busy(w, "n1"); }));
  }

  static std::vector<std::string> flags() { return {"--workers", "2", "--prefetch", "2"}; }

  /// Sends `sig` to n1 and waits up to `limit` for the server to count it
  /// lost; prints and returns how long that took.
  std::chrono::milliseconds lose_n1(int sig, const std::string& what,
                                    std::chrono::milliseconds limit) {
    n1.proc.signal(sig);
    auto requeued = poll_until(
      srv.s, "/v1/stats", [](auto& st) { return st["nodes"]["losses"] == 1; }, limit);
    REQUIRE(requeued);
    std::cout << "node " << what << " -> its jobs re-queued in " << requeued->count() << " ms"
              << std::endl;
    return *requeued;
  }

  scratch_dir dir;
  node_server srv;
  node_process n1;
  node_process n2;
  std::vector<std::string> ids;
};

} // namespace

TEST_CASE_METHOD(busy_nodes, "a killed node's jobs are re-queued within a second and all succeed") {
  CHECK(lose_n1(SIGKILL, "killed", 10s).count() <= 1000);
  CHECK(n1.proc.wait_exit(5s) == 128 + SIGKILL);

  check_all_succeeded_within_attempts(srv.s, ids, n1.log, n2.log);
  auto stats = get_json(srv.s, "/v1/stats");
  CHECK(stats["nodes"]["requeued_by_loss"].get<int>() > 0);
  CHECK(stats["workers"]["restarts"] == 0);
  CHECK(node_named(get_json(srv.s, "/v1/workers"), "n1").is_null());
}

TEST_CASE_METHOD(
  busy_nodes, "a stopped node is noticed within heartbeat and timeout, and rejoins once resumed") {
  // Heartbeat 500 ms + timeout 2000 ms + 500 ms.
  CHECK(lose_n1(SIGSTOP, "stopped", 15s).count() <= 3000);

  n1.proc.signal(SIGCONT);
  // It finds its session gone, drops what it ran, and rejoins.
  auto rejoined = n1.proc.read_line(30s);
  REQUIRE(rejoined);
  CHECK(*rejoined == "troupe: joined " + srv.nodes + " as n1");
  CHECK(read_file(n1.log).find("lost the server") != std::string::npos);
  check_all_succeeded_within_attempts(srv.s, ids, n1.log, n2.log);
  auto stats = get_json(srv.s, "/v1/stats");
  CHECK(stats["nodes"]["joins"] >= 3);
  CHECK(stats["nodes"]["connected"] == 2);
  CHECK(node_named(get_json(srv.s, "/v1/workers"), "n1")["state"] == "connected");
}

TEST_CASE("after a server restart its node rejoins and runs the interrupted job again") {
  scratch_dir dir;
  std::vector<std::string> flags{"--store", dir.sqlite_store(), "--workers", "0"};
  auto first = std::make_unique<node_server>(dir.file("server.log"), flags);
  auto nodes_port = first->port;
  auto n1 = start_node(dir, *first, "n1", {"--workers", "1"});
  auto id = submit(first->s, R"({"type":"sleep","payload":{"ms":1500},"max_attempts":3})");
  REQUIRE(poll_until(first->s, "/v1/jobs/" + id, [](auto& j) { return j["status"] == "running"; }));

  first->s.proc.signal(SIGKILL);
  CHECK(first->s.proc.wait_exit(10s) == 128 + SIGKILL);
  first.reset();
  node_server second{dir.file("server2.log"), flags, nodes_port};
  auto rejoined = n1.proc.read_line(30s);
  REQUIRE(rejoined);
  CHECK(*rejoined == "troupe: joined " + second.nodes + " as n1");

  auto job = wait_for_job(second.s, id);
  CHECK(job["status"] == "success");
  CHECK(job["attempts"] == 2);
  CHECK(job["result"] == nlohmann::json{{"slept_ms", 1500}});
  CHECK(job["worker"] == "n1/worker-1");
  CHECK(attempts_started({n1.log})[id] == 2);
}

} // namespace troupe::test
