// What a node cannot do: a raw CAF peer that reaches the node port may join
// like a node, but cannot reach the supervisor (a `drain` sent to the
// gateway is refused), cannot report on another node's leases, and cannot
// hand orders to its own stand-ins. And a node kept busy by CPU-bound jobs
// still sends its heartbeats: it is not taken for lost.
#include "support/node_cluster.hpp"

#include "internal_protocol.hpp"
#include "nodes/node_protocol.hpp"

#include <troupe/engine.hpp>
#include <troupe/node_settings.hpp>
#include <troupe/protocol.hpp>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <deque>

namespace troupe::test {

using namespace troupe::detail;

TEST_CASE("a raw CAF peer can neither drain the server nor report on another node's jobs") {
  scratch_dir dir;
  node_server srv{dir.file("server.log"), {"--store", "memory", "--workers", "0"}};
  auto n1 = start_node(dir, srv, "n1", {"--workers", "1"});
  auto id = submit(srv.s, R"({"type":"sleep","payload":{"ms":1500}})");
  REQUIRE(poll_until(srv.s, "/v1/jobs/" + id, [](auto& j) { return j["status"] == "running"; }));

  caf::actor_system_config cfg;
  configure_system(cfg);
  configure_nodes(cfg, node_settings{});
  caf::actor_system sys{cfg};
  auto gateway = sys.middleman().remote_actor("127.0.0.1", srv.port);
  REQUIRE(gateway);
  caf::scoped_actor peer{sys};

  bool drain_refused = false;
  peer->request(*gateway, 10s, drain_atom::value, int64_t{0})
    .receive([&](std::string&) {}, [&](caf::error&) { drain_refused = true; });
  CHECK(drain_refused);
  CHECK(get_json(srv.s, "/v1/stats")["accepting"] == true);

  // It joins as a node serving no type the server has jobs of...
  node_join join;
  join.name = "intruder";
  join.workers = 1;
  join.heartbeat_ms = 500;
  join.timeout_ms = 2000;
  join.types = {"greet"};
  uint64_t incarnation = 0;
  std::vector<caf::actor> stand_ins;
  peer->request(*gateway, 10s, join_atom::value, join)
    .receive(
      [&](welcome_atom, uint64_t inc, std::vector<caf::actor>& given) {
        incarnation = inc;
        stand_ins = std::move(given);
      },
      [&](caf::error& err) { FAIL(describe(err)); });
  REQUIRE(stand_ins.size() == 1);
  peer->send(stand_ins[0], attach_atom::value, caf::actor{peer});
  // ...and forges success for every lease the server may have granted, and
  // hands its stand-in an order of its own.
  run_report forged;
  for (uint64_t lease = 1; lease <= 20; ++lease)
    forged.finished.push_back(
      {lease, incarnation, static_cast<uint8_t>(run_outcome::success), R"("forged")", 1});
  forged.started = 1;
  peer->send(stand_ins[0], run_atom::value,
             std::vector<run_order>{{1, incarnation, id, 1, "sleep", "{}", 0}});
  peer->send(stand_ins[0], report_atom::value, forged);
  REQUIRE(
    poll_until(srv.s, "/v1/stats", [](auto& st) { return st["nodes"]["stale_reports"] == 20; }));

  auto job = wait_for_job(srv.s, id);
  CHECK(job["status"] == "success");
  CHECK(job["result"] == nlohmann::json{{"slept_ms", 1500}});
  CHECK(job["worker"] == "n1/worker-1");
  CHECK(job["attempts"] == 1);
}

TEST_CASE("a node busy with CPU-bound jobs for 30 s at the default heartbeat is not lost") {
  scratch_dir dir;
  node_server srv{dir.file("server.log"), {"--store", "memory", "--workers", "0"}};
  auto n1 = start_node(dir, srv, "n1", {"--workers", "2"});
  const std::string job = R"({"type":"sha256","payload":{"data":"cpu","rounds":1000000}})";
  std::deque<std::string> in_flight;
  int done = 0;
  auto start = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - start < 30s) {
    while (in_flight.size() < 4)
      in_flight.push_back(submit(srv.s, job));
    CHECK(wait_for_job(srv.s, in_flight.front())["status"] == "success");
    in_flight.pop_front();
    ++done;
  }
  for (auto& id : in_flight)
    CHECK(wait_for_job(srv.s, id)["status"] == "success");
  INFO(done << " jobs");
  auto stats = get_json(srv.s, "/v1/stats");
  CHECK(stats["nodes"]["losses"] == 0);
  CHECK(stats["nodes"]["joins"] == 1);
  CHECK(node_named(get_json(srv.s, "/v1/workers"), "n1")["state"] == "connected");
}

} // namespace troupe::test
