// The HTTP front of a standby server: its gateway starts with the stand-in
// supervisor (troupe/standby.hpp), which refuses the API as a standby, and
// serves the engine once it is switched to it.
#include "support/http_fixture.hpp"

#include <troupe/standby.hpp>

#include <caf/send.hpp>

using namespace troupe;
using namespace troupe::test;

namespace {

/// The fixture's engine runs, but its gateway talks to a stand-in.
struct standby_front : http_fixture {
  standby_front() {
    start();
    http::stop_gateway(eng->system(), gateway);
    standby = spawn_standby(eng->system());
    http::gateway_config front;
    front.port = 0;
    gateway = http::spawn_gateway(eng->system(), standby, front);
    auto bound = http::listening_port(eng->system(), gateway);
    REQUIRE(bound);
    port = *bound;
  }

  ~standby_front() { caf::anon_send_exit(standby, caf::exit_reason::user_shutdown); }

  caf::actor standby;
};

} // namespace

TEST_CASE_METHOD(standby_front, "a standby's API answers 503 standby with Retry-After") {
  auto res = post_job({{"type", "echo"}, {"payload", 1}});
  require_error(res, 503, "standby");
  CHECK(res->get_header_value("Retry-After") == "1");
  require_error(client().Get("/v1/stats"), 503, "standby");
  require_error(client().Get("/v1/jobs"), 503, "standby");
}

TEST_CASE_METHOD(standby_front, "a standby is alive but not ready, and says it is a standby") {
  CHECK(get_json("/healthz")["status"] == "ok");
  auto ready = get_json("/readyz", 503);
  CHECK(ready["role"] == "standby");
  CHECK(ready["error"]["code"] == "standby");
}

TEST_CASE_METHOD(standby_front, "a gateway switched to the engine serves it") {
  http::switch_engine(gateway, eng->supervisor());
  auto id = submit({{"type", "echo"}, {"payload", 7}});
  CHECK(finish(id)["result"] == 7);
  CHECK(get_json("/readyz")["role"] == "single");
  CHECK(get_json("/v1/stats")["leader"]["role"] == "single");
}
