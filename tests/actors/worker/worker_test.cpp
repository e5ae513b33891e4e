// A worker actor runs the orders it has handlers for and gives back, unrun,
// those of a type it lacks (so that no attempt is spent on a worker that
// cannot run the job).
#include "internal_protocol.hpp"
#include "worker/worker.hpp"

#include <troupe/protocol.hpp>

#include <caf/all.hpp>

#include <catch2/catch.hpp>

using namespace troupe;
using namespace troupe::detail;
using namespace std::chrono_literals;

TEST_CASE("a worker gives back unrun the orders of a type it has no handler for") {
  caf::actor_system_config cfg;
  add_message_types(cfg);
  caf::actor_system sys{cfg};
  auto handlers = std::make_shared<handler_registry>();
  handlers->add("echo", [](job_context& ctx) { return ctx.payload(); });
  caf::scoped_actor supervisor{sys};
  auto w = sys.spawn(worker, caf::actor{supervisor},
                     std::shared_ptr<const handler_registry>{handlers}, size_t{0}, std::string{});
  supervisor->send(
    w, run_atom::value,
    std::vector<run_order>{{1, 7, "a", 1, "echo", "5"}, {2, 7, "b", 1, "shout", "6"}});
  std::vector<uint64_t> given_back;
  std::vector<run_result> finished;
  while (given_back.empty() || finished.empty())
    supervisor->receive(
      [&](withdrawn_atom, const lease_list& leases) { given_back = leases.leases; },
      [&](report_atom, const run_report& report) {
        finished.insert(finished.end(), report.finished.begin(), report.finished.end());
      },
      caf::after(10s) >> [&] { FAIL("the worker did not answer"); });
  CHECK(given_back == std::vector<uint64_t>{2});
  REQUIRE(finished.size() == 1);
  CHECK(finished[0].lease == 1);
  CHECK(finished[0].incarnation == 7);
  CHECK(finished[0].text == "5");
  caf::anon_send_exit(w, caf::exit_reason::user_shutdown);
}
