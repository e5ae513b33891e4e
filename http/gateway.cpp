#include "troupe/http/gateway.hpp"

#include "detail/routes.hpp"

#include "troupe/protocol.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/sec.hpp>
#include <caf/stateful_actor.hpp>

namespace troupe::http {

namespace {

using detail::intake;
using detail::listener;

struct gateway_state {
  std::shared_ptr<intake> requests = std::make_shared<intake>();
  std::unique_ptr<listener> listening;
  caf::expected<uint16_t> port{caf::error{}};

  ~gateway_state() {
    // Handlers waiting for the engine get `shutting_down` at once, so the
    // listener's threads end without waiting out their timeouts.
    requests->close();
    if (listening)
      listening->stop();
  }

  static inline const char* name = "troupe.gateway";
};

detail::listener_limits limits_of(const gateway_config& cfg) {
  detail::listener_limits limits;
  limits.max_connections = cfg.max_connections;
  limits.handler_threads = cfg.threads;
  limits.request_timeout = cfg.request_timeout;
  limits.idle_timeout = cfg.idle_timeout;
  limits.busy_idle_timeout = cfg.busy_idle_timeout;
  limits.write_timeout = cfg.write_timeout;
  limits.framing.max_body_bytes = cfg.max_body;
  return limits;
}

caf::behavior gateway(caf::stateful_actor<gateway_state>* self, caf::actor supervisor,
                      gateway_config cfg) {
  auto& st = self->state;
  st.requests->attach(self->spawn<caf::linked>(detail::intake_actor, supervisor, st.requests));
  auto routes = std::make_shared<detail::request_server>();
  // What the `Keep-Alive` header announces: the idle timeout the listener
  // enforces, and no practical limit of requests per connection.
  routes->set_keep_alive_timeout(std::max<time_t>(1, cfg.idle_timeout.count() / 1000));
  routes->set_keep_alive_max_count(1000000);
  auto ctx = std::make_shared<detail::api_context>(st.requests, cfg);
  detail::install_routes(*routes, ctx);
  auto started = listener::start(
    cfg.host, cfg.port, {cfg.tls_cert, cfg.tls_key}, limits_of(cfg), std::move(routes),
    [cfg](int status) { return detail::refusal_body_for(status, cfg); }, ctx->connections);
  if (started) {
    st.port = (*started)->port();
    st.listening = std::move(*started);
  } else {
    st.port = std::move(started.error());
  }
  return {
    [=](port_atom) -> caf::result<uint16_t> {
      if (self->state.port)
        return *self->state.port;
      return self->state.port.error();
    },
  };
}

} // namespace

caf::actor spawn_gateway(caf::actor_system& sys, caf::actor supervisor, gateway_config config) {
  // Detached: ending the gateway joins the listener's threads, which takes
  // until the requests in flight are answered (those waiting for the engine
  // are refused at once, a slow reader has up to the write timeout).
  return sys.spawn<caf::detached>(gateway, std::move(supervisor), std::move(config));
}

caf::expected<uint16_t> listening_port(caf::actor_system& sys, const caf::actor& gateway) {
  caf::expected<uint16_t> port{caf::error{}};
  caf::scoped_actor self{sys};
  self->request(gateway, std::chrono::seconds{10}, port_atom::value)
    .receive([&](uint16_t p) { port = p; }, [&](caf::error& err) { port = std::move(err); });
  return port;
}

void stop_gateway(caf::actor_system& sys, const caf::actor& gateway) {
  caf::scoped_actor self{sys};
  self->monitor(gateway);
  self->send_exit(gateway, caf::exit_reason::user_shutdown);
  self->receive([](const caf::down_msg&) {});
}

} // namespace troupe::http
