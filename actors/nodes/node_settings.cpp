#include "troupe/node_settings.hpp"

#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>

namespace troupe {

namespace {

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

} // namespace

std::string node_settings_problem(const node_settings& settings, const std::string& host) {
  if (settings.heartbeat.count() <= 0)
    return "the node heartbeat must be positive";
  if (settings.timeout < 3 * settings.heartbeat)
    return "the node timeout (" + std::to_string(settings.timeout.count())
           + " ms) must be at least 3 heartbeats (" + std::to_string(3 * settings.heartbeat.count())
           + " ms)";
  auto given = int{!settings.tls_cert.empty()} + int{!settings.tls_key.empty()}
               + int{!settings.tls_ca.empty()};
  if (given != 0 && given != 3)
    return "the node TLS certificate, key and CA go together: give all three or none";
  if (given == 0 && !settings.insecure && !is_loopback(host))
    return "nodes on " + host
           + " would talk in plain TCP, where anyone who can connect can take jobs or forge "
             "results: give the node TLS files, or allow it explicitly as insecure";
  return {};
}

caf::io::middleman_actor network_layer(caf::actor_system& sys, const node_settings& settings) {
  if (settings.tls())
    return sys.openssl_manager().actor_handle();
  return sys.middleman().actor_handle();
}

void configure_nodes(caf::actor_system_config& cfg, const node_settings& settings) {
  cfg.load<caf::io::middleman>();
  cfg.set("middleman.app-identifiers", std::vector<std::string>{node_protocol_id});
  cfg.set("middleman.heartbeat-interval", caf::timespan{settings.heartbeat});
  cfg.set("middleman.connection-timeout", caf::timespan{settings.timeout});
  if (settings.tls()) {
    cfg.load<caf::openssl::manager>();
    // CAF 0.17 reads these members, not configuration keys.
    cfg.openssl_certificate = settings.tls_cert;
    cfg.openssl_key = settings.tls_key;
    cfg.openssl_cafile = settings.tls_ca;
  }
}

} // namespace troupe
