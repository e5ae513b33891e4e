// The wire messages between two real processes over CAF's network layer: a
// worker on another node must receive exactly what a local one would (CAF
// 0.17 sends an unregistered type silently empty).
#include "internal_protocol.hpp"
#include "nodes/node_protocol.hpp"
#include "support/process.hpp"

#include <troupe/errors.hpp>
#include <troupe/protocol.hpp>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <catch2/catch.hpp>

using namespace troupe;
using namespace troupe::detail;
using namespace std::chrono_literals;

namespace {

/// A peer process that echoes every request, and a system connected to it.
struct wire_pair {
  wire_pair() : peer({TROUPE_WIRE_PEER}) {
    auto line = peer.read_line(30s);
    REQUIRE(line);
    REQUIRE(line->rfind("port ", 0) == 0);
    auto port = static_cast<uint16_t>(std::stoi(line->substr(5)));
    cfg.load<caf::io::middleman>();
    add_message_types(cfg);
    sys.emplace(cfg);
    auto remote = sys->middleman().remote_actor("127.0.0.1", port);
    REQUIRE(remote);
    mirror = *remote;
  }

  ~wire_pair() {
    mirror = nullptr;
    sys.reset();
  }

  /// Sends `msg` to the other process; returns what came back, which must
  /// have the types `Ts...`.
  template <class... Ts> caf::message echo(caf::message msg) {
    caf::scoped_actor self{*sys};
    caf::message back;
    self->request(mirror, 10s, std::move(msg))
      .receive([&](Ts&... xs) { back = caf::make_message(std::move(xs)...); },
               [&](caf::error& err) { FAIL(sys->render(err)); });
    return back;
  }

  test::child_process peer;
  caf::actor_system_config cfg;
  std::optional<caf::actor_system> sys;
  caf::actor mirror;
};

} // namespace

TEST_CASE("every wire message crosses to another process and back intact") {
  wire_pair wire;

  std::vector<run_order> orders{
    {7, 0xfeedbeefcafe, "id-1", 2, "echo", R"({"n":1})", 9, 41, true, "tenant-a"},
    {8, 0xfeedbeefcafe, "id-2", 1, "sleep", "null", 0, 42, false, ""}};
  auto got_orders =
    wire.echo<run_atom, std::vector<run_order>>(caf::make_message(run_atom::value, orders));
  REQUIRE(got_orders.match_elements<run_atom, std::vector<run_order>>());
  auto& o = got_orders.get_as<std::vector<run_order>>(1);
  REQUIRE(o.size() == 2);
  CHECK(o[0].lease == 7);
  CHECK(o[0].incarnation == 0xfeedbeefcafe);
  CHECK(o[0].id == "id-1");
  CHECK(o[0].attempt == 2);
  CHECK(o[0].type == "echo");
  CHECK(o[0].payload == R"({"n":1})");
  CHECK(o[0].priority == 9);
  CHECK(o[0].seq == 41);
  CHECK(o[0].gated);
  CHECK(o[0].group == "tenant-a");
  CHECK(o[1].type == "sleep");

  run_report report;
  report.finished.push_back(
    {7, 0xfeedbeefcafe, static_cast<uint8_t>(run_outcome::permanent_failure), "bad", 1234});
  report.started = 8;
  auto got_report =
    wire.echo<report_atom, run_report>(caf::make_message(report_atom::value, report));
  REQUIRE(got_report.match_elements<report_atom, run_report>());
  auto& r = got_report.get_as<run_report>(1);
  CHECK(r.started == 8);
  REQUIRE(r.finished.size() == 1);
  CHECK(r.finished[0].incarnation == 0xfeedbeefcafe);
  CHECK(r.finished[0].outcome == static_cast<uint8_t>(run_outcome::permanent_failure));
  CHECK(r.finished[0].text == "bad");
  CHECK(r.finished[0].duration_us == 1234);

  auto got_leases = wire.echo<withdraw_atom, lease_list>(
    caf::make_message(withdraw_atom::value, lease_list{{3, 4, 5}}));
  REQUIRE(got_leases.match_elements<withdraw_atom, lease_list>());
  CHECK(got_leases.get_as<lease_list>(1).leases == std::vector<uint64_t>{3, 4, 5});

  auto got_progress = wire.echo<progress_atom, uint64_t, double, std::string>(
    caf::make_message(progress_atom::value, uint64_t{7}, 0.5, std::string{"half"}));
  REQUIRE((got_progress.match_elements<progress_atom, uint64_t, double, std::string>()));
  CHECK(got_progress.get_as<double>(2) == 0.5);
  CHECK(got_progress.get_as<std::string>(3) == "half");

  node_join join;
  join.name = "node-a";
  join.workers = 3;
  join.prefetch = 8;
  join.heartbeat_ms = 500;
  join.timeout_ms = 2000;
  join.types = {"echo", "greet"};
  auto got_join = wire.echo<join_atom, node_join>(caf::make_message(join_atom::value, join));
  REQUIRE((got_join.match_elements<join_atom, node_join>()));
  auto& j = got_join.get_as<node_join>(1);
  CHECK(j.version == node_protocol_version);
  CHECK(j.name == "node-a");
  CHECK(j.workers == 3);
  CHECK(j.prefetch == 8);
  CHECK(j.heartbeat_ms == 500);
  CHECK(j.timeout_ms == 2000);
  CHECK(j.types == std::vector<std::string>{"echo", "greet"});

  auto got_leave =
    wire.echo<leave_atom, int64_t>(caf::make_message(leave_atom::value, int64_t{30000}));
  REQUIRE((got_leave.match_elements<leave_atom, int64_t>()));
  CHECK(got_leave.get_as<int64_t>(1) == 30000);
}

TEST_CASE("the public submission types cross to another process and back intact") {
  wire_pair wire;
  job_options opts;
  opts.priority = 9;
  opts.max_attempts = 4;
  opts.timeout_ms = 1500;
  opts.delay_ms = 20;
  opts.idempotency_key = "k-1";
  auto got_jobs = wire.echo<submit_many_atom, std::vector<job_request>>(caf::make_message(
    submit_many_atom::value, std::vector<job_request>{{"echo", R"([1,2])", opts}}));
  REQUIRE((got_jobs.match_elements<submit_many_atom, std::vector<job_request>>()));
  auto& job = got_jobs.get_as<std::vector<job_request>>(1).at(0);
  CHECK(job.type == "echo");
  CHECK(job.payload == "[1,2]");
  CHECK(job.options.max_attempts == 4);
  CHECK(job.options.timeout_ms == 1500);
  CHECK(job.options.delay_ms == 20);
  CHECK(job.options.idempotency_key == "k-1");

  auto got_outcomes = wire.echo<std::vector<submit_outcome>>(caf::make_message(
    std::vector<submit_outcome>{{"id-1", true, {}, R"({"id":"id-1"})"},
                                {"", false, make_error(errc::queue_full, "full"), {}}}));
  REQUIRE(got_outcomes.match_elements<std::vector<submit_outcome>>());
  auto& out = got_outcomes.get_as<std::vector<submit_outcome>>(0);
  REQUIRE(out.size() == 2);
  CHECK(out[0].job == R"({"id":"id-1"})");
  CHECK(is_troupe_error(out[1].error, errc::queue_full));
  CHECK(describe(out[1].error).find("full") != std::string::npos);
}
