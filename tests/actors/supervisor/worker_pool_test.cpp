// The worker pool: local slots serve the handlers' types; the types that may
// be submitted grow with the nodes that join.
#include "supervisor/worker_pool.hpp"

#include <catch2/catch.hpp>

using namespace troupe;
using namespace troupe::detail;

namespace {

std::shared_ptr<const handler_registry> handlers(std::vector<std::string> types) {
  auto registry = std::make_shared<handler_registry>();
  for (auto& type : types)
    registry->add(type, [](job_context&) { return std::string{}; });
  return registry;
}

} // namespace

TEST_CASE("local slots are named in order and serve the handlers' types") {
  worker_pool pool{2, handlers({"email", "resize"}), {}};
  REQUIRE(pool.size() == 2);
  CHECK(pool[0].name == "worker-1");
  CHECK(pool[1].name == "worker-2");
  CHECK(*pool[1].types == std::set<std::string>{"email", "resize"});
  CHECK(pool.local_slots() == std::vector<size_t>{0, 1});
}

TEST_CASE("a slot without a worker takes no job") {
  worker_pool pool{1, handlers({"email"}), {}};
  CHECK_FALSE(pool[0].takes("email"));
  CHECK(pool.staffed() == 0);
}

TEST_CASE("configured node types may be submitted before a node serves them") {
  worker_pool pool{1, handlers({"email"}), {"render"}};
  CHECK(pool.knows("email"));
  CHECK(pool.knows("render"));
  CHECK_FALSE(pool.knows("ocr"));
  pool.learn({"ocr"});
  CHECK(pool.knows("ocr"));
  CHECK(*pool.local_types() == std::set<std::string>{"email"});
}

TEST_CASE("slots added for nodes are not local") {
  worker_pool pool{1, handlers({"email"}), {}};
  auto slot = pool.add_slot();
  pool[slot].node = 3;
  CHECK(slot == 1);
  CHECK(pool.local_slots() == std::vector<size_t>{0});
}
