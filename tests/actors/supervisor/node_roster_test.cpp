// The node roster: join numbers, nodes that come back, and the gone ones kept.
#include "supervisor/node_roster.hpp"

#include <catch2/catch.hpp>

using namespace troupe::detail;

TEST_CASE("each join gets a new number and is counted") {
  node_roster nodes;
  auto a = nodes.join("a", "127.0.0.1:1", {"email"}, 1000).id;
  auto b = nodes.join("b", "127.0.0.1:2", {}, 1000).id;
  CHECK(a != b);
  REQUIRE(nodes.find(a) != nullptr);
  CHECK(nodes.find(a)->name == "a");
  CHECK(*nodes.find(a)->types == std::set<std::string>{"email"});
  CHECK(nodes.stats().joins == 2);
  CHECK(nodes.stats().connected == 2);
}

TEST_CASE("only connected nodes are found by name") {
  node_roster nodes;
  nodes.join("a", "h:1", {}, 0).state = node_state::leaving;
  CHECK(nodes.find_connected("a") == nullptr);
  CHECK(nodes.present() == 1);
}

TEST_CASE("a node that rejoins replaces its gone entry") {
  node_roster nodes;
  nodes.join("a", "h:1", {}, 0).state = node_state::lost;
  CHECK(nodes.present() == 0);
  auto id = nodes.join("a", "h:2", {}, 0).id;
  size_t entries = 0;
  for (auto& node : nodes) {
    ++entries;
    CHECK(node.id == id);
  }
  CHECK(entries == 1);
}

TEST_CASE("only the last gone nodes are kept") {
  node_roster nodes;
  for (size_t i = 0; i < node_roster::gone_kept + 5; ++i)
    nodes.join("n" + std::to_string(i), "h:1", {}, 0).state = node_state::left;
  nodes.join("live", "h:1", {}, 0);
  size_t gone = 0;
  for (auto& node : nodes)
    gone += node.gone() ? 1 : 0;
  CHECK(gone == node_roster::gone_kept);
  CHECK(nodes.find_connected("live") != nullptr);
  CHECK(nodes.find(1) == nullptr);
}
