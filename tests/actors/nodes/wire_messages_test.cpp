// Every message between the supervisor and its workers, and the public
// submit_many types, survive CAF's serialization once add_message_types
// registered them: a worker may live in another process.
#include "internal_protocol.hpp"

#include <troupe/errors.hpp>
#include <troupe/protocol.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>

#include <catch2/catch.hpp>

using namespace troupe;
using namespace troupe::detail;

namespace {

caf::message round_trip(caf::actor_system& sys, const caf::message& msg) {
  std::vector<char> buf;
  caf::binary_serializer sink{sys, buf};
  auto out = msg;
  REQUIRE_FALSE(sink(out));
  caf::binary_deserializer source{sys, buf};
  caf::message copy;
  REQUIRE_FALSE(source(copy));
  return copy;
}

} // namespace

TEST_CASE("wire messages survive serialization with their contents") {
  caf::actor_system_config cfg;
  add_message_types(cfg);
  caf::actor_system sys{cfg};

  auto orders = round_trip(
    sys, caf::make_message(run_atom::value,
                           std::vector<run_order>{{7, 42, "id-1", 2, "echo", R"({"n":1})"}}));
  REQUIRE(orders.match_elements<run_atom, std::vector<run_order>>());
  auto& order = orders.get_as<std::vector<run_order>>(1).at(0);
  CHECK(order.lease == 7);
  CHECK(order.incarnation == 42);
  CHECK(order.id == "id-1");
  CHECK(order.attempt == 2);
  CHECK(order.type == "echo");
  CHECK(order.payload == R"({"n":1})");

  run_report report;
  report.finished.push_back({7, 42, static_cast<uint8_t>(run_outcome::failure), "boom"});
  report.started = 8;
  auto reports = round_trip(sys, caf::make_message(report_atom::value, report));
  REQUIRE(reports.match_elements<report_atom, run_report>());
  auto& r = reports.get_as<run_report>(1);
  CHECK(r.started == 8);
  REQUIRE(r.finished.size() == 1);
  CHECK(r.finished[0].lease == 7);
  CHECK(r.finished[0].incarnation == 42);
  CHECK(r.finished[0].text == "boom");

  auto withdraw = round_trip(sys, caf::make_message(withdraw_atom::value, lease_list{{3, 4}}));
  REQUIRE(withdraw.match_elements<withdraw_atom, lease_list>());
  CHECK(withdraw.get_as<lease_list>(1).leases == std::vector<uint64_t>{3, 4});

  auto progress =
    round_trip(sys, caf::make_message(progress_atom::value, uint64_t{9}, 0.5, std::string{"half"}));
  REQUIRE(progress.match_elements<progress_atom, uint64_t, double, std::string>());
  CHECK(progress.get_as<double>(2) == 0.5);

  job_options opts;
  opts.priority = 9;
  opts.idempotency_key = "k";
  auto many = round_trip(
    sys, caf::make_message(submit_many_atom::value, std::vector<job_request>{{"echo", "1", opts}}));
  REQUIRE(many.match_elements<submit_many_atom, std::vector<job_request>>());
  auto& req = many.get_as<std::vector<job_request>>(1).at(0);
  CHECK(req.options.priority == 9);
  CHECK(req.options.idempotency_key == "k");

  auto outcomes = round_trip(sys, caf::make_message(std::vector<submit_outcome>{
                                    {"id", true, {}, R"({"id":"id"})"},
                                    {"", false, make_error(errc::queue_full, "full"), {}}}));
  REQUIRE(outcomes.match_elements<std::vector<submit_outcome>>());
  auto& out = outcomes.get_as<std::vector<submit_outcome>>(0);
  CHECK(out.at(0).created);
  CHECK(out.at(0).job == R"({"id":"id"})");
  CHECK(is_troupe_error(out.at(1).error, errc::queue_full));
}
