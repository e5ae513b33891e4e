// Stopping nodes and servers with SIGTERM: a node that leaves gives back
// what it has not started and lets its running jobs finish, so a rolling
// restart under load costs no attempt; past their drain time, jobs are
// interrupted and everyone exits within the deadline.
#include "support/node_cluster.hpp"

#include <httplib.h>

#include <atomic>
#include <mutex>
#include <thread>

namespace troupe::test {

namespace {

/// Submits short sleep jobs over one keep-alive connection until stopped
/// (at most `limit` of them).
class steady_load {
public:
  steady_load(uint16_t port, size_t limit) : thread_([=] { run(port, limit); }) {}

  ~steady_load() { stop(); }

  std::vector<std::string> stop() {
    stopping_ = true;
    if (thread_.joinable())
      thread_.join();
    std::lock_guard<std::mutex> guard{mtx_};
    return ids_;
  }

  size_t submitted() {
    std::lock_guard<std::mutex> guard{mtx_};
    return ids_.size();
  }

private:
  void run(uint16_t port, size_t limit) {
    httplib::Client cli{"127.0.0.1", port};
    while (!stopping_ && submitted() < limit) {
      auto res = cli.Post("/v1/jobs", R"({"type":"sleep","payload":{"ms":30},"max_attempts":3})",
                          "application/json");
      if (!res || res->status != 202)
        continue;
      std::lock_guard<std::mutex> guard{mtx_};
      ids_.push_back(nlohmann::json::parse(res->body).at("id"));
    }
  }

  std::atomic<bool> stopping_{false};
  std::mutex mtx_;
  std::vector<std::string> ids_;
  std::thread thread_;
};

} // namespace

TEST_CASE("a rolling restart of two nodes under load fails no job and spends no extra attempt") {
  scratch_dir dir;
  node_server srv{dir.file("server.log"), {"--store", "memory", "--workers", "0"}};
  auto flags = std::vector<std::string>{"--workers", "2", "--prefetch", "4"};
  auto n1 = std::make_unique<node_process>(dir.file("n1.log"), node_argv(srv, "n1", flags));
  auto n2 = std::make_unique<node_process>(dir.file("n2.log"), node_argv(srv, "n2", flags));
  steady_load load{srv.s.port, 3000};
  std::vector<std::string> logs;
  for (auto* node : {&n1, &n2}) {
    auto name = node == &n1 ? "n1" : "n2";
    auto before = load.submitted();
    REQUIRE(poll_until(srv.s, "/v1/stats", [&](auto&) { return load.submitted() > before + 20; }));
    (*node)->proc.signal(SIGTERM);
    CHECK((*node)->proc.wait_exit(30s) == 0);
    logs.push_back((*node)->log);
    *node = std::make_unique<node_process>(dir.file(std::string{name} + "-restarted.log"),
                                           node_argv(srv, name, flags));
  }
  auto ids = load.stop();
  logs.push_back(n1->log);
  logs.push_back(n2->log);
  REQUIRE(ids.size() > 40);
  for (auto& id : ids) {
    auto job = wait_for_job(srv.s, id);
    INFO(job.dump());
    CHECK(job["status"] == "success");
    CHECK(job["attempts"] == 1);
  }
  // Read once every job is done: what the nodes say they started.
  auto started = attempts_started(logs);
  for (auto& id : ids)
    CHECK(started[id] == 1);
  auto stats = get_json(srv.s, "/v1/stats");
  CHECK(stats["nodes"]["leaves"] == 2);
  CHECK(stats["nodes"]["losses"] == 0);
}

TEST_CASE("a leaving node's jobs past its drain time are interrupted, and it exits in time") {
  scratch_dir dir;
  node_server srv{dir.file("server.log"), {"--store", "memory", "--workers", "0"}};
  auto n1 = start_node(dir, srv, "n1", {"--workers", "1", "--drain-timeout", "1"});
  auto id = submit(srv.s, R"({"type":"sleep","payload":{"ms":60000},"max_attempts":2})");
  REQUIRE(poll_until(srv.s, "/v1/jobs/" + id, [](auto& j) { return j["status"] == "running"; }));
  auto start = std::chrono::steady_clock::now();
  n1.proc.signal(SIGTERM);
  CHECK(n1.proc.wait_exit(10s) == 0);
  CHECK(std::chrono::steady_clock::now() - start <= 3s);
  auto job = get_json(srv.s, "/v1/jobs/" + id);
  CHECK(job["status"] == "pending");
  CHECK(job["attempts"] == 1);
  CHECK(job["error"] == "interrupted: node n1 left");
  CHECK(get_json(srv.s, "/v1/stats")["nodes"]["leaves"] == 1);
}

TEST_CASE("a server with a node's job running exits within its deadline, and so does the node") {
  scratch_dir dir;
  node_server srv{dir.file("server.log"),
                  {"--store", "memory", "--workers", "0", "--shutdown-timeout", "1"}};
  auto n1 = start_node(dir, srv, "n1", {"--workers", "1"});
  auto id = submit(srv.s, R"({"type":"sleep","payload":{"ms":60000}})");
  REQUIRE(poll_until(srv.s, "/v1/jobs/" + id, [](auto& j) { return j["status"] == "running"; }));
  auto start = std::chrono::steady_clock::now();
  srv.s.proc.signal(SIGTERM);
  CHECK(srv.s.proc.wait_exit(10s) == 0);
  CHECK(std::chrono::steady_clock::now() - start <= 3s);
  // The node lost its server and tries to rejoin; SIGTERM ends it at once.
  start = std::chrono::steady_clock::now();
  n1.proc.signal(SIGTERM);
  CHECK(n1.proc.wait_exit(10s) == 0);
  CHECK(std::chrono::steady_clock::now() - start <= 2s);
}

} // namespace troupe::test
