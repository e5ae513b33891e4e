#include "troupe/http/gateway.hpp"

#include "detail/routes.hpp"

#include <caf/scoped_actor.hpp>
#include <caf/sec.hpp>
#include <caf/stateful_actor.hpp>

#include <sys/socket.h>
#include <thread>

namespace troupe::http {

namespace {

caf::error listen_error(std::string message) {
  return caf::error{static_cast<uint8_t>(caf::sec::cannot_open_port), caf::atom("system"),
                    caf::make_message(std::move(message))};
}

/// A bound server and the thread that runs its accept loop; stops and joins
/// on destruction, which is when the gateway actor ends.
class listening_server {
public:
  explicit listening_server(std::unique_ptr<httplib::Server> server) : server_(std::move(server)) {}

  ~listening_server() {
    if (listener_.joinable()) {
      server_->stop();
      listener_.join();
    }
  }

  httplib::Server& server() { return *server_; }

  /// Binds and starts serving; returns the port or why it failed.
  caf::expected<uint16_t> start(const std::string& host, uint16_t port) {
    int bound = port;
    if (port == 0)
      bound = server_->bind_to_any_port(host);
    else if (!server_->bind_to_port(host, port))
      bound = -1;
    if (bound <= 0)
      return listen_error("cannot listen on " + host + ":" + std::to_string(port));
    listener_ = std::thread{[srv = server_.get()] { srv->listen_after_bind(); }};
    return static_cast<uint16_t>(bound);
  }

private:
  std::unique_ptr<httplib::Server> server_;
  std::thread listener_;
};

struct gateway_state {
  std::unique_ptr<listening_server> listening;
  caf::expected<uint16_t> port{caf::error{}};
  static inline const char* name = "troupe.gateway";
};

std::unique_ptr<httplib::Server> make_server(const gateway_config& cfg) {
  if (cfg.tls_cert.empty() && cfg.tls_key.empty())
    return std::make_unique<httplib::Server>();
  return std::make_unique<httplib::SSLServer>(cfg.tls_cert.c_str(), cfg.tls_key.c_str());
}

caf::behavior gateway(caf::stateful_actor<gateway_state>* self, caf::actor supervisor,
                      gateway_config cfg) {
  auto& st = self->state;
  auto server = make_server(cfg);
  if (!server->is_valid()) {
    st.port =
      listen_error("cannot load the TLS certificate " + cfg.tls_cert + " and key " + cfg.tls_key);
  } else {
    auto threads = cfg.threads;
    server->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    // httplib's default also sets SO_REUSEPORT, which would let a second
    // server bind the same port and silently take half the connections.
    server->set_socket_options([](socket_t sock) {
      int yes = 1;
      setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    });
    server->set_tcp_nodelay(true);
    server->set_keep_alive_max_count(100000);
    server->set_keep_alive_timeout(5);
    server->set_read_timeout(cfg.io_timeout);
    server->set_write_timeout(cfg.io_timeout);
    server->set_payload_max_length(cfg.max_body);
    auto ctx =
      std::make_shared<detail::api_context>(detail::bridge{self->system(), supervisor}, cfg);
    detail::install_routes(*server, ctx);
    st.listening = std::make_unique<listening_server>(std::move(server));
    st.port = st.listening->start(cfg.host, cfg.port);
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
  // Detached: ending the gateway joins the server's threads, which may take
  // as long as the slowest request in flight.
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
