// Node settings: what is refused before any actor system starts, and what a
// valid set puts into CAF's configuration.
#include <troupe/node_settings.hpp>

#include <caf/actor_system_config.hpp>
#include <caf/config_value.hpp>

#include <catch2/catch.hpp>

using namespace troupe;
using namespace std::chrono_literals;

TEST_CASE("a node timeout under three heartbeats is refused") {
  node_settings s;
  s.heartbeat = 500ms;
  s.timeout = 1400ms;
  CHECK(node_settings_problem(s, "127.0.0.1").find("at least 3 heartbeats") != std::string::npos);
  s.timeout = 1500ms;
  CHECK(node_settings_problem(s, "127.0.0.1").empty());
}

TEST_CASE("node TLS files go all three or none") {
  node_settings s;
  s.tls_cert = "cert.pem";
  s.tls_key = "key.pem";
  CHECK(node_settings_problem(s, "127.0.0.1").find("all three") != std::string::npos);
  s.tls_ca = "ca.pem";
  CHECK(node_settings_problem(s, "10.0.0.5").empty());
}

TEST_CASE("plain TCP nodes on a non-loopback address need an explicit insecure") {
  node_settings s;
  CHECK(node_settings_problem(s, "127.0.0.1").empty());
  CHECK(node_settings_problem(s, "localhost").empty());
  CHECK(node_settings_problem(s, "0.0.0.0").find("plain TCP") != std::string::npos);
  CHECK(node_settings_problem(s, "10.0.0.5").find("plain TCP") != std::string::npos);
  s.insecure = true;
  CHECK(node_settings_problem(s, "10.0.0.5").empty());
}

TEST_CASE("node settings set the heartbeat, the timeout and the protocol id") {
  node_settings s;
  s.heartbeat = 200ms;
  s.timeout = 1s;
  caf::actor_system_config cfg;
  configure_nodes(cfg, s);
  CHECK(caf::get<caf::timespan>(cfg, "middleman.heartbeat-interval") == caf::timespan{200ms});
  CHECK(caf::get<caf::timespan>(cfg, "middleman.connection-timeout") == caf::timespan{1s});
  CHECK(caf::get<std::vector<std::string>>(cfg, "middleman.app-identifiers")
        == std::vector<std::string>{node_protocol_id});
  CHECK(cfg.openssl_certificate.empty());
}
