// Bad submissions get a typed error naming the problem; nothing is accepted.
#include "support/engine_fixture.hpp"

#include <troupe/protocol.hpp>

#include <caf/scoped_actor.hpp>

using namespace troupe;
using namespace troupe::test;

namespace {

caf::error refusal(engine& eng, job_options opts) {
  auto result = eng.submit("echo", 1, opts);
  REQUIRE_FALSE(result);
  return result.error();
}

} // namespace

TEST_CASE_METHOD(engine_fixture, "an unregistered type is refused as unknown_type") {
  start(config());
  auto result = eng->submit("no-such-type", 1);
  REQUIRE_FALSE(result);
  CHECK(is_troupe_error(result.error(), errc::unknown_type));
  CHECK_THAT(describe(result.error()), Catch::Contains("no-such-type"));
}

TEST_CASE_METHOD(engine_fixture, "out-of-range options are refused with the field named") {
  start(config());
  struct bad_case {
    job_options opts;
    std::string field;
  };
  std::vector<bad_case> cases(7);
  cases[0].opts.priority = 10, cases[0].field = "priority";
  cases[1].opts.priority = -1, cases[1].field = "priority";
  cases[2].opts.max_attempts = 0, cases[2].field = "max_attempts";
  cases[3].opts.max_attempts = 101, cases[3].field = "max_attempts";
  cases[4].opts.timeout_ms = 0, cases[4].field = "timeout_ms";
  cases[5].opts.delay_ms = -5, cases[5].field = "delay_ms";
  cases[6].opts.idempotency_key = std::string(201, 'k'), cases[6].field = "idempotency_key";
  for (auto& c : cases) {
    auto err = refusal(*eng, c.opts);
    CHECK(is_troupe_error(err, errc::invalid_argument));
    CHECK_THAT(describe(err), Catch::Contains(c.field));
  }
  CHECK(stats().submitted_total == 0);
}

TEST_CASE_METHOD(engine_fixture, "a payload that is not JSON is refused over the protocol") {
  start(config());
  caf::scoped_actor self{eng->system()};
  caf::error err;
  self
    ->request(eng->supervisor(), std::chrono::seconds{10}, submit_atom::value, std::string{"echo"},
              std::string{"{not json"}, job_options{})
    .receive([](std::string&, bool) { FAIL("accepted a malformed payload"); },
             [&](caf::error& e) { err = std::move(e); });
  CHECK(is_troupe_error(err, errc::invalid_argument));
  CHECK_THAT(describe(err), Catch::Contains("payload"));
  CHECK(finish(submit("echo", 1)).status == job_status::success);
}

TEST_CASE_METHOD(engine_fixture, "handlers cannot be added once the engine runs") {
  start(config());
  CHECK_THROWS_AS(eng->handlers(), std::logic_error);
}
