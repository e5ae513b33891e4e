// The stand-in supervisor of a standby server, alone: it refuses the API
// with `standby` and tells its role and the active server's term in stats.
#include "troupe/errors.hpp"
#include "troupe/protocol.hpp"
#include "troupe/standby.hpp"
#include "troupe/stats.hpp"

#include <caf/all.hpp>
#include <catch2/catch.hpp>

using namespace troupe;

namespace {

struct standby_fixture {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  caf::actor standby = spawn_standby(sys);
  caf::scoped_actor self{sys};

  ~standby_fixture() { caf::anon_send_exit(standby, caf::exit_reason::user_shutdown); }

  engine_stats stats() {
    engine_stats s;
    self->request(standby, std::chrono::seconds{10}, stats_atom::value)
      .receive(
        [&](const std::string& text) { s = nlohmann::json::parse(text).get<engine_stats>(); },
        [](caf::error& err) { FAIL(describe(err)); });
    return s;
  }
};

} // namespace

TEST_CASE_METHOD(standby_fixture, "a standby refuses a submission with the standby error") {
  caf::error refused;
  self
    ->request(standby, std::chrono::seconds{10}, submit_atom::value, std::string{"echo"},
              std::string{"1"}, job_options{})
    .receive([](const std::string&, bool) { FAIL("accepted"); },
             [&](caf::error& err) { refused = err; });
  CHECK(is_troupe_error(refused, errc::standby));
}

TEST_CASE_METHOD(standby_fixture, "a standby's stats tell its role and the active server's term") {
  CHECK(stats().leader.role == "standby");
  CHECK_FALSE(stats().accepting);
  report_active_term(standby, {3, 1700000000000});
  auto s = stats();
  CHECK(s.leader.epoch == 3);
  CHECK(s.leader.last_failover_ms == 1700000000000);
}
