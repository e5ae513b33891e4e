// HTTPS: the listener does TLS (OpenSSL) on the same terms as plain HTTP.
#include "support/http_fixture.hpp"
#include "support/raw_connection.hpp"

#include <cstdlib>
#include <filesystem>

using namespace troupe;
using namespace troupe::test;

TEST_CASE_METHOD(http_fixture, "with a certificate and key the gateway serves HTTPS") {
  auto dir = std::filesystem::temp_directory_path() / ("troupe-tls-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto cert = (dir / "cert.pem").string(), key = (dir / "key.pem").string();
  auto made = std::system(("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "
                           "/CN=127.0.0.1 -keyout "
                           + key + " -out " + cert + " 2>/dev/null")
                            .c_str());
  REQUIRE(made == 0);
  http::gateway_config cfg;
  cfg.tls_cert = cert;
  cfg.tls_key = key;
  start(default_engine(), cfg);
  // Connections that never start their handshake do not hold up the others.
  std::vector<raw_connection> idle;
  for (int i = 0; i < 20; ++i)
    idle.emplace_back(port);
  httplib::SSLClient tls{"127.0.0.1", port};
  tls.enable_server_certificate_verification(false);
  check_answers(tls, contract);
  auto res = tls.Post("/v1/jobs", R"({"type":"echo","payload":42})", "application/json");
  REQUIRE(res);
  CHECK(res->status == 202);
  auto job = tls.Get(
    ("/v1/jobs/" + json::parse(res->body)["id"].get<std::string>() + "?wait_ms=10000").c_str());
  REQUIRE(job);
  CHECK(json::parse(job->body)["result"] == 42);
  httplib::Client plain{"127.0.0.1", port};
  auto refused = plain.Get("/healthz");
  CHECK((!refused || refused->status != 200));
  std::filesystem::remove_all(dir);
}

TEST_CASE("a gateway whose certificate cannot be loaded reports why") {
  engine eng;
  REQUIRE_FALSE(eng.start());
  http::gateway_config cfg;
  cfg.port = 0;
  cfg.tls_cert = "/nonexistent/cert.pem";
  cfg.tls_key = "/nonexistent/key.pem";
  auto gateway = http::spawn_gateway(eng.system(), eng.supervisor(), cfg);
  auto port = http::listening_port(eng.system(), gateway);
  REQUIRE_FALSE(port);
  CHECK_THAT(describe(port.error()), Catch::Contains("certificate"));
  http::stop_gateway(eng.system(), gateway);
}
