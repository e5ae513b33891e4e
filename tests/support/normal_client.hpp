// The client that slow-client tests keep an eye on: while others hold
// connections open, it must still get its health check and its submission
// answered, as docs/openapi.yaml documents them.
#pragma once

#include "support/openapi_contract.hpp"

#include <httplib.h>

#include <cstdint>

namespace troupe::test {

/// Requires `/healthz` (200) and a POST of an echo job (202) at
/// 127.0.0.1:`port`, each answered within 5 s, both conforming.
inline void require_normal_client_served(uint16_t port) {
  contract_log log;
  httplib::Client cli{"127.0.0.1", port};
  check_answers(cli, log);
  cli.set_read_timeout(5, 0);
  cli.set_connection_timeout(5, 0);
  auto health = cli.Get("/healthz");
  REQUIRE(health);
  CHECK(health->status == 200);
  auto posted = cli.Post("/v1/jobs", R"({"type":"echo","payload":1})", "application/json");
  REQUIRE(posted);
  CHECK(posted->status == 202);
  require_conformance(log);
}

} // namespace troupe::test
