// The node gateway admits a node that speaks this protocol with the
// server's heartbeat settings under a free name, and frees the name when the
// node's agent is gone.
#include "nodes/node_gateway.hpp"

#include <troupe/errors.hpp>
#include <troupe/protocol.hpp>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <catch2/catch.hpp>

using namespace troupe;
using namespace troupe::detail;
using namespace std::chrono_literals;

namespace {

node_join join_as(const std::string& name) {
  node_join join;
  join.name = name;
  join.workers = 2;
  join.prefetch = 8;
  join.heartbeat_ms = 500;
  join.timeout_ms = 2000;
  join.types = {"echo"};
  return join;
}

/// Answers the gateway's announcement of a node's workers as a supervisor
/// does: with its incarnation.
caf::behavior supervisor_of_incarnation(caf::event_based_actor*, uint64_t incarnation) {
  return {
    [=](workers_joined_atom, const std::string&, const std::string&,
        const std::vector<std::string>&, const std::vector<caf::actor>&) { return incarnation; },
  };
}

struct gateway_fixture {
  gateway_fixture()
      : sys(with_middleman(cfg)), supervisor(sys.spawn(supervisor_of_incarnation, uint64_t{42})),
        gateway(sys.spawn(node_gateway, node_settings{}, supervisor, nullptr)) {}

  ~gateway_fixture() {
    caf::anon_send_exit(gateway, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(supervisor, caf::exit_reason::user_shutdown);
  }

  static caf::actor_system_config& with_middleman(caf::actor_system_config& c) {
    c.load<caf::io::middleman>();
    add_message_types(c);
    return c;
  }

  /// Joins from `agent`; returns the incarnation or the refusal.
  caf::expected<uint64_t> join(caf::scoped_actor& agent, const node_join& j) {
    caf::expected<uint64_t> result{caf::error{}};
    agent->request(gateway, 10s, join_atom::value, j)
      .receive(
        [&](welcome_atom, uint64_t incarnation, std::vector<caf::actor>&) { result = incarnation; },
        [&](caf::error& err) { result = std::move(err); });
    return result;
  }

  caf::actor_system_config cfg;
  caf::actor_system sys;
  caf::actor supervisor;
  caf::actor gateway;
};

std::string refusal(const caf::expected<uint64_t>& joined) {
  REQUIRE_FALSE(joined);
  CHECK(is_troupe_error(joined.error(), errc::join_refused));
  return describe(joined.error());
}

} // namespace

TEST_CASE_METHOD(gateway_fixture,
                 "a node that matches the server is welcomed with its incarnation") {
  caf::scoped_actor agent{sys};
  auto joined = join(agent, join_as("node-a"));
  REQUIRE(joined);
  CHECK(*joined == 42);
}

TEST_CASE_METHOD(gateway_fixture, "a join that does not match the server is refused, naming why") {
  caf::scoped_actor agent{sys};
  auto other_version = join_as("node-a");
  other_version.version = node_protocol_version + 1;
  CHECK(refusal(join(agent, other_version)).find("protocol version") != std::string::npos);
  auto other_heartbeat = join_as("node-a");
  other_heartbeat.heartbeat_ms = 200;
  CHECK(refusal(join(agent, other_heartbeat)).find("heartbeat") != std::string::npos);
  auto no_workers = join_as("node-a");
  no_workers.workers = 0;
  CHECK(refusal(join(agent, no_workers)).find("no worker") != std::string::npos);
  CHECK(refusal(join(agent, join_as(""))).find("no name") != std::string::npos);
}

TEST_CASE_METHOD(gateway_fixture, "a name held by a live node is refused until that node is gone") {
  {
    caf::scoped_actor first{sys};
    REQUIRE(join(first, join_as("node-a")));
    caf::scoped_actor other{sys};
    CHECK(refusal(join(other, join_as("node-a"))).find("is connected") != std::string::npos);
    CHECK(join(other, join_as("node-b")));
  }
  // A scoped actor's end sends its down messages before its destructor
  // returns, so the gateway handles them before the next join.
  caf::scoped_actor again{sys};
  CHECK(join(again, join_as("node-a")));
}
