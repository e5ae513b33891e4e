// The shipped deploy/nginx configuration with both servers of an
// active/standby pair listed, run by real nginx in front of two real
// `troupe serve` on one real PostgreSQL: clients through nginx only ever
// see the active server, before and after it is killed.
#include "support/nginx_front.hpp"
#include "support/openapi_contract.hpp"
#include "support/server_pair.hpp"

#include <set>

using namespace troupe::test;
using json = nlohmann::json;

namespace {

/// POSTs a sleep job through nginx; requires 202 and returns its id.
std::string submit_through(httplib::Client& cli) {
  auto res = cli.Post("/v1/jobs", R"({"type":"sleep","payload":{"ms":20}})", "application/json");
  REQUIRE(res);
  INFO(res->body);
  REQUIRE(res->status == 202);
  return json::parse(res->body).at("id");
}

} // namespace

TEST_CASE_METHOD(two_servers, "nginx sends every request to the active server of a pair, before "
                              "and after a failover") {
  nginx_front nginx{dir, first.port, second.port};
  contract_log log;
  httplib::Client cli{"127.0.0.1", nginx.port};
  cli.set_read_timeout(15, 0);
  check_answers(cli, log);
  // Round-robin would hand every other request to the standby: none of its
  // refusals reaches the client.
  std::vector<std::string> ids;
  for (int i = 0; i < 20; ++i)
    ids.push_back(submit_through(cli));
  for (int i = 0; i < 4; ++i) {
    auto ready = cli.Get("/readyz");
    REQUIRE(ready);
    CHECK(json::parse(ready->body)["role"] == "active");
  }
  first.proc.signal(SIGKILL);
  CHECK(first.proc.wait_exit(10s) == 128 + SIGKILL);
  auto killed_at = std::chrono::steady_clock::now();
  second.await_address(30s);
  // Until nginx asks the new active again (its fail_timeout), a client is
  // told 503 with Retry-After; then the dead server's refused connections
  // pass every request on to the new active.
  std::set<int> statuses;
  for (;;) {
    auto res = cli.Post("/v1/jobs", R"({"type":"sleep","payload":{"ms":20}})", "application/json");
    REQUIRE(res);
    statuses.insert(res->status);
    if (res->status == 202) {
      ids.push_back(json::parse(res->body).at("id"));
      break;
    }
    if (std::chrono::steady_clock::now() - killed_at > 10s)
      break;
  }
  statuses.erase(503);
  CHECK(statuses == std::set<int>{202});
  INFO("accepting through nginx " << std::chrono::duration_cast<std::chrono::milliseconds>(
                                       std::chrono::steady_clock::now() - killed_at)
                                       .count()
                                  << " ms after the kill");
  for (int i = 0; i < 20; ++i)
    ids.push_back(submit_through(cli));
  for (auto& id : ids) {
    auto job = cli.Get(("/v1/jobs/" + id + "?wait_ms=10000").c_str());
    REQUIRE(job);
    CHECK(json::parse(job->body)["status"] == "success");
  }
  CHECK(json::parse(cli.Get("/v1/stats")->body)["leader"]["epoch"] == 2);
  require_conformance(log);
  second.proc.signal(SIGTERM);
  CHECK(second.proc.wait_exit(30s) == 0);
}
