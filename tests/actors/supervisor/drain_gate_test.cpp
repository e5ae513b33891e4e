// The drain gate: open, then draining, settled, answered and drained for good.
#include "supervisor/drain_gate.hpp"

#include <catch2/catch.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>

using namespace troupe::detail;

TEST_CASE("an open gate refuses nothing and owes no drain") {
  drain_gate gate;
  CHECK(gate.open());
  CHECK_FALSE(gate.refusal());
  CHECK_FALSE(gate.waiting_for_jobs());
  CHECK_FALSE(gate.owes_answer());
  CHECK_FALSE(gate.drained());
}

TEST_CASE("a drain closes the gate with a shutting_down refusal and waits for jobs") {
  drain_gate gate;
  gate.begin(caf::response_promise{});
  CHECK_FALSE(gate.open());
  auto refusal = gate.refusal();
  REQUIRE(refusal);
  CHECK(troupe::is_troupe_error(refusal, troupe::errc::shutting_down));
  CHECK(gate.waiting_for_jobs());
  CHECK_FALSE(gate.owes_answer());
  CHECK_FALSE(gate.drained());
}

TEST_CASE("a settled drain owes its answer and is drained once answered") {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  drain_gate gate;
  gate.begin(self->make_response_promise());
  gate.settle();
  CHECK_FALSE(gate.waiting_for_jobs());
  CHECK(gate.owes_answer());
  CHECK_FALSE(gate.drained());
  gate.answer("{}");
  CHECK_FALSE(gate.owes_answer());
  CHECK(gate.drained());
  CHECK_FALSE(gate.open());
}

TEST_CASE("a gate reports the first stop only") {
  drain_gate gate;
  CHECK(gate.stop());
  CHECK_FALSE(gate.stop());
}
