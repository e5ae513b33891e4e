// Two real `troupe serve` processes on one real PostgreSQL database: the
// second waits as a standby and takes over when the active one is killed
// (SIGKILL) or hung (SIGSTOP past its lease), finishing every job the first
// acknowledged; a hung active that resumes acknowledges nothing more and
// steps down to standby.
#include "support/node_cluster.hpp"
#include "support/server_pair.hpp"

using namespace troupe::test;
using json = nlohmann::json;

namespace {

std::vector<std::string> submit_jobs(const server& s, int n) {
  std::vector<std::string> ids;
  for (int i = 0; i < n; ++i)
    ids.push_back(submit(s, R"({"type":"sleep","payload":{"ms":30},"max_attempts":3})"));
  return ids;
}

} // namespace

TEST_CASE_METHOD(two_servers, "a standby server answers health checks and refuses the API as a "
                              "standby, for a load balancer to pass over it") {
  CHECK(curl(second.url + "/healthz").status == 200);
  auto ready = curl(second.url + "/readyz");
  CHECK(ready.status == 503);
  CHECK(json::parse(ready.body)["role"] == "standby");
  auto refused = run_command("curl -s -i -X POST -H 'Content-Type: application/json' -d "
                             "'{\"type\":\"echo\",\"payload\":1}' "
                             + second.url + "/v1/jobs")
                   .output;
  CHECK_THAT(refused, Catch::StartsWith("HTTP/1.1 503"));
  CHECK_THAT(refused, Catch::Contains("Retry-After: 1") && Catch::Contains(R"("code":"standby")"));
  CHECK(curl(second.url + "/v1/stats").status == 503);
  auto metrics = curl(second.url + "/metrics");
  CHECK_THAT(metrics.body, Catch::Contains("troupe_server_role{role=\"standby\"} 1")
                             && Catch::Contains("troupe_leader_epoch 1"));
  CHECK(get_json(first, "/readyz")["role"] == "active");
  auto leader = get_json(first, "/v1/stats")["leader"];
  CHECK(leader == json{{"role", "active"}, {"epoch", 1}, {"last_failover_ms", nullptr}});
}

TEST_CASE_METHOD(two_servers,
                 "a standby server takes over when the active one is killed, with every job it "
                 "acknowledged") {
  auto& active = first;
  auto& standby = second;
  auto ids = submit_jobs(active, 40);
  active.proc.signal(SIGKILL);
  CHECK(active.proc.wait_exit(10s) == 128 + SIGKILL);
  auto killed_at = std::chrono::steady_clock::now();
  standby.await_address(30s);
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now()
                                                                    - killed_at);
  INFO("took over in " << took.count() << " ms");
  for (auto& id : ids) {
    auto job = wait_for_job(standby, id);
    CHECK(job["status"] == "success");
    CHECK(job["attempts"] <= 3);
  }
  CHECK(postgres_cluster::run_sql(uri, "SELECT epoch FROM troupe_leader") == "2");
  auto leader = get_json(standby, "/v1/stats")["leader"];
  CHECK(leader["role"] == "active");
  CHECK(leader["epoch"] == 2);
  CHECK(leader["last_failover_ms"].is_number());
  CHECK_THAT(curl(standby.url + "/metrics").body,
             Catch::Contains("troupe_server_role{role=\"active\"} 1")
               && Catch::Contains("troupe_last_failover_timestamp_seconds"));
  standby.proc.signal(SIGTERM);
  CHECK(standby.proc.wait_exit(30s) == 0);
}

TEST_CASE_METHOD(two_servers,
                 "a hung active is replaced after its lease, acknowledges nothing, and becomes "
                 "standby") {
  auto ids = submit_jobs(first, 10);
  first.proc.signal(SIGSTOP);
  second.await_address(30s);
  first.proc.signal(SIGCONT);
  // Its session was ended: whatever it is asked now, it stores nothing, so
  // it answers nothing with 202 (if it still answers at all).
  auto late = curl("-X POST -H 'Content-Type: application/json' -d "
                   "'{\"type\":\"echo\",\"payload\":1}' "
                   + first.url + "/v1/jobs");
  CHECK(late.status != 202);
  for (auto& id : ids)
    CHECK(wait_for_job(second, id)["status"] == "success");
  CHECK(postgres_cluster::run_sql(uri, "SELECT count(*) FROM troupe_jobs") == "10");
  // It stepped down: it waits as the standby (same PID) and takes over
  // when the second one stops.
  postgres_cluster::await_standby(uri);
  first.await_address(30s);
  CHECK(curl(first.url + "/readyz").status == 503);
  second.proc.signal(SIGTERM);
  CHECK(second.proc.wait_exit(30s) == 0);
  first.await_address(30s);
  CHECK(get_json(first, "/v1/jobs/" + ids[0])["status"] == "success");
  CHECK(postgres_cluster::run_sql(uri, "SELECT epoch FROM troupe_leader") == "3");
  first.proc.signal(SIGTERM);
  CHECK(first.proc.wait_exit(30s) == 0);
}

TEST_CASE_METHOD(two_servers, "a standby server stops on SIGTERM while it waits") {
  second.proc.signal(SIGTERM);
  CHECK(second.proc.wait_exit(10s) == 0);
  CHECK_THAT(read_file(dir.file("second.log")), Catch::Contains("stopped while standby"));
  first.proc.signal(SIGTERM);
  CHECK(first.proc.wait_exit(30s) == 0);
}

TEST_CASE("a worker node that lists both servers follows the active one across a failover") {
  auto uri = postgres_cluster::shared().fresh_database();
  scratch_dir dir;
  // Fixed node ports: the node must know both before the standby opens its.
  auto first_nodes = "127.0.0.1:" + std::to_string(free_port());
  auto second_nodes = "127.0.0.1:" + std::to_string(free_port());
  auto only_nodes = [&](const std::string& nodes) {
    auto flags = flags_for(uri, "0");
    flags.insert(flags.end(), {"--nodes", nodes});
    return flags;
  };
  server first{only_nodes(first_nodes), dir.file("first.log")};
  server second{only_nodes(second_nodes), dir.file("second.log")};
  postgres_cluster::await_standby(uri);
  child_process node{{TROUPE_BINARY, "worker", "--join", first_nodes + "," + second_nodes, "--name",
                      "n1", "--workers", "2"},
                     {},
                     dir.file("node.log")};
  CHECK(node.read_line(30s) == "troupe: joined " + first_nodes + " as n1");
  // Without local workers, only the node runs jobs.
  auto before = submit_jobs(first, 5);
  for (auto& id : before)
    CHECK(wait_for_job(first, id)["worker"].get<std::string>().rfind("n1/", 0) == 0);
  first.proc.signal(SIGKILL);
  CHECK(first.proc.wait_exit(10s) == 128 + SIGKILL);
  second.await_address(30s);
  auto accepting_at = std::chrono::steady_clock::now();
  CHECK(node.read_line(30s) == "troupe: joined " + second_nodes + " as n1");
  INFO("rejoined " << std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - accepting_at)
                        .count()
                   << " ms after the new active accepted");
  auto after = submit_jobs(second, 5);
  before.insert(before.end(), after.begin(), after.end());
  for (auto& id : before)
    CHECK(wait_for_job(second, id)["status"] == "success");
  node.signal(SIGTERM);
  CHECK(node.wait_exit(30s) == 0);
  second.proc.signal(SIGTERM);
  CHECK(second.proc.wait_exit(30s) == 0);
}

TEST_CASE_METHOD(two_servers, "the CLI given both servers' URLs asks the active one") {
  auto both = " --server " + second.url + "," + first.url;
  auto troupe = [](const std::string& args) {
    return run_command(std::string{TROUPE_BINARY} + " " + args + " 2>&1");
  };
  // The standby, listed first, answers 503 standby: the CLI moves on.
  auto submitted = troupe("submit echo --payload 7 --wait" + both);
  CHECK(submitted.exit_code == 0);
  CHECK_THAT(submitted.output, Catch::Contains("success"));
  first.proc.signal(SIGKILL);
  CHECK(first.proc.wait_exit(10s) == 128 + SIGKILL);
  second.await_address(30s);
  // The killed one, listed second, refuses connections: the new active answers.
  auto after = troupe("submit echo --payload 8 --wait --server " + first.url + "," + second.url);
  CHECK(after.exit_code == 0);
  CHECK_THAT(after.output, Catch::Contains("success"));
  auto alone = troupe("stats --server " + second.url);
  CHECK(alone.exit_code == 0);
  second.proc.signal(SIGTERM);
  CHECK(second.proc.wait_exit(30s) == 0);
}

TEST_CASE("a server that lost its database connection steps down and takes over again") {
  auto uri = postgres_cluster::shared().fresh_database();
  scratch_dir dir;
  server alone{flags_for(uri), dir.file("server.log")};
  auto ids = submit_jobs(alone, 5);
  postgres_cluster::run_sql(uri, "SELECT pg_terminate_backend(backend_pid) FROM troupe_leader");
  // Its renewal fails; it starts afresh, connects again and, with no other
  // server, is the active one again in the next term.
  alone.await_address(30s);
  CHECK(get_json(alone, "/v1/stats")["leader"]["epoch"] == 2);
  for (auto& id : ids)
    CHECK(wait_for_job(alone, id)["status"] == "success");
  alone.proc.signal(SIGTERM);
  CHECK(alone.proc.wait_exit(30s) == 0);
}
