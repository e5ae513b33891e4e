// Group limits on the real binary: set over HTTP, they hold after a SIGKILL
// and a restart on the same store; with a worker node killed while it runs a
// group's jobs, the group never has more running than its limit and no slot
// leaks. Real processes on 127.0.0.1, stopped by PID.
#include "support/node_cluster.hpp"

#include <algorithm>

namespace troupe::test {

namespace {

/// PUT `body` to `path`; requires 200 and returns the JSON.
nlohmann::json put_json(const server& s, const std::string& path, const std::string& body) {
  auto res =
    curl("-X PUT -H 'Content-Type: application/json' -d '" + body + "' '" + s.url + path + "'");
  REQUIRE(res.status == 200);
  return nlohmann::json::parse(res.body);
}

/// The most jobs of `jobs` whose final attempts overlapped, from their start
/// and finish times.
int most_at_once(const std::vector<nlohmann::json>& jobs) {
  std::vector<std::pair<std::string, int>> events;
  for (auto& job : jobs) {
    events.emplace_back(job["started_at"].get<std::string>(), 1);
    events.emplace_back(job["finished_at"].get<std::string>(), -1);
  }
  // RFC 3339 times of one format sort as text; a finish and a start in one
  // millisecond count the finish first.
  std::sort(events.begin(), events.end());
  int running = 0;
  int most = 0;
  for (auto& [at, step] : events)
    most = std::max(most, running += step);
  return most;
}

} // namespace

TEST_CASE("limits set over HTTP hold after a SIGKILL and a restart on the same store") {
  scratch_dir dir;
  std::vector<std::string> flags{"--http",           "127.0.0.1:0", "--store",
                                 dir.sqlite_store(), "--workers",   "4"};
  std::string paused;
  std::vector<std::string> serial;
  {
    server first{flags, dir.file("first.log")};
    put_json(first, "/v1/limits/paused", R"({"concurrency":0})");
    put_json(first, "/v1/limits/serial", R"({"concurrency":1,"weight":2})");
    paused = submit(first, R"({"type":"echo","payload":1,"group":"paused"})");
    for (int i = 0; i < 4; ++i)
      serial.push_back(submit(first, R"({"type":"sleep","payload":{"ms":150},"group":"serial"})"));
    first.proc.signal(SIGKILL);
    CHECK(first.proc.wait_exit(10s) == 128 + SIGKILL);
  }
  server second{flags, dir.file("second.log")};
  auto limits = get_json(second, "/v1/limits")["limits"];
  REQUIRE(limits.size() == 2);
  CHECK(limits[0]["group"] == "paused");
  CHECK(limits[0]["limit"]["concurrency"] == 0);
  CHECK(limits[1]["limit"]["weight"] == 2);
  std::vector<nlohmann::json> done;
  for (auto& id : serial)
    done.push_back(wait_for_job(second, id));
  for (auto& job : done)
    CHECK(job["status"] == "success");
  // Four workers, but the group ran one job at a time, after the restart too.
  CHECK(most_at_once(done) == 1);
  auto waiting = get_json(second, "/v1/limits/paused");
  CHECK(waiting["ready"] == 1);
  CHECK(waiting["throttled"] == true);
  CHECK(get_json(second, "/v1/jobs/" + paused)["status"] == "pending");
  CHECK(curl("-X DELETE " + second.url + "/v1/limits/paused").status == 200);
  CHECK(wait_for_job(second, paused)["status"] == "success");
  second.proc.signal(SIGTERM);
  CHECK(second.proc.wait_exit(10s) == 0);
}

TEST_CASE("a node killed while it runs a group's jobs never lets the group exceed its limit") {
  scratch_dir dir;
  node_server srv{dir.file("server.log"), {"--store", "memory", "--workers", "0"}};
  put_json(srv.s, "/v1/limits/g", R"({"concurrency":2})");
  auto n1 = start_node(dir, srv, "n1", {"--workers", "4", "--prefetch", "2"});
  auto n2 = start_node(dir, srv, "n2", {"--workers", "4", "--prefetch", "2"});
  std::vector<std::string> ids;
  for (int i = 0; i < 12; ++i)
    ids.push_back(submit(srv.s, R"({"type":"sleep","payload":{"ms":300},"group":"g"})"));
  REQUIRE(poll_until(srv.s, "/v1/workers", [](auto& w) {
    auto node = node_named(w, "n1");
    return node.is_object() && node["busy"].template get<int>() > 0;
  }));
  n1.proc.signal(SIGKILL);
  // Until every job is done, the group never has more than 2 held.
  int most = 0;
  REQUIRE(poll_until(srv.s, "/v1/limits/g", [&](auto& state) {
    most = std::max(most, state["running"].template get<int>());
    return state["running"] == 0 && state["ready"] == 0
           && get_json(srv.s, "/v1/stats")["jobs"]["success"] == 12;
  }));
  CHECK(most <= 2);
  CHECK(most >= 1);
  std::vector<nlohmann::json> done;
  for (auto& id : ids)
    done.push_back(wait_for_job(srv.s, id));
  for (auto& job : done)
    CHECK(job["status"] == "success");
  CHECK(most_at_once(done) <= 2);
  CHECK(get_json(srv.s, "/v1/stats")["nodes"]["losses"] == 1);
}

} // namespace troupe::test
