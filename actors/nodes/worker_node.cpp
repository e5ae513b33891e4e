#include "troupe/worker_node.hpp"

#include "nodes/node_gateway.hpp"
#include "nodes/node_port_guard.hpp"
#include "nodes/node_protocol.hpp"
#include "troupe/errors.hpp"
#include "troupe/log.hpp"
#include "worker/worker.hpp"

#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>

#include <optional>
#include <random>

namespace troupe {

using namespace std::chrono_literals;

namespace {

/// How long a connection attempt and a join may take before they are
/// retried.
constexpr auto connect_timeout = 5s;
constexpr auto join_timeout = 10s;
/// Reconnection backoff: the first delay, doubled per failure up to the cap;
/// each delay is drawn from [d/2, d] so that nodes do not rejoin in step.
constexpr auto first_backoff = 500ms;
constexpr auto max_backoff = 30s;
/// The cap with several servers: one of them takes over within a lease.
constexpr auto max_backoff_of_pair = 2s;
/// How much longer than its drain time a leaving node waits for the server.
constexpr auto leave_margin = 5s;

using rejoin_atom = caf::atom_constant<caf::atom("rejoin")>;

struct agent_state {
  worker_node_config config;
  std::shared_ptr<const handler_registry> handlers;
  /// The server's node gateway while joined.
  caf::actor gateway;
  std::vector<caf::actor> workers;
  /// Answered once the first join succeeded or failed.
  std::optional<caf::response_promise> first_join;
  int first_tries = 0;
  /// The server tried now, and how many in a row failed.
  size_t server = 0;
  size_t failed_in_row = 0;
  std::chrono::milliseconds backoff = first_backoff;

  const server_address& address() const { return config.servers[server]; }
  std::mt19937_64 jitter{std::random_device{}()};
  bool leaving = false;

  static inline const char* name = "troupe.node_agent";
};

using agent_ptr = caf::stateful_actor<agent_state>*;

void stop_workers(agent_ptr self) {
  // Ending a worker raises the token of every job it holds and drops those
  // it has not started.
  for (auto& worker : self->state.workers)
    self->send_exit(worker, caf::exit_reason::user_shutdown);
  self->state.workers.clear();
}

/// A join attempt failed. Before the first join succeeded, a refusal or a
/// third failure is final (the caller learns why); CAF may cut a connection
/// whose handshake a heartbeat tick caught, so a failure is tried again.
/// After it, every failure is retried after a jittered, growing delay.
/// Several servers are tried in turn at once; a delay follows a whole round.
void join_failed(agent_ptr self, const caf::error& err) {
  auto& st = self->state;
  auto servers = st.config.servers.size();
  st.server = (st.server + 1) % servers;
  bool round_over = ++st.failed_in_row % servers == 0;
  if (st.first_join && !is_troupe_error(err, errc::join_refused)
      && ++st.first_tries < 3 * static_cast<int>(servers)) {
    if (round_over)
      self->delayed_send(self, first_backoff, rejoin_atom::value);
    else
      self->send(self, rejoin_atom::value);
    return;
  }
  if (st.first_join) {
    st.first_join->deliver(err);
    st.first_join.reset();
    self->quit();
    return;
  }
  if (st.leaving)
    return;
  if (!round_over) {
    self->send(self, rejoin_atom::value);
    return;
  }
  auto high = st.backoff.count();
  auto delay =
    std::chrono::milliseconds{std::uniform_int_distribution<int64_t>{high / 2, high}(st.jitter)};
  std::chrono::milliseconds cap = servers > 1 ? max_backoff_of_pair : max_backoff;
  st.backoff = std::min<std::chrono::milliseconds>(st.backoff * 2, cap);
  log(log_level::warn,
      "cannot rejoin " + (servers > 1 ? std::string{"any server"} : st.address().text()) + " ("
        + describe(err) + "); retrying in " + std::to_string(delay.count()) + " ms");
  self->delayed_send(self, delay, rejoin_atom::value);
}

void joined(agent_ptr self, const caf::actor& gateway, uint64_t incarnation,
            const std::vector<caf::actor>& stand_ins) {
  auto& st = self->state;
  st.gateway = gateway;
  self->monitor(gateway);
  st.backoff = first_backoff;
  st.failed_in_row = 0;
  // Each worker reports to its stand-in on the server, which learns of the
  // worker by `attach`.
  for (auto& stand_in : stand_ins) {
    auto name = st.config.name + "/worker-" + std::to_string(st.workers.size() + 1);
    auto worker = self->spawn(detail::worker, stand_in, st.handlers, size_t{st.config.prefetch},
                              logs(log_level::debug) ? name : std::string{});
    self->send(stand_in, detail::attach_atom::value, worker);
    st.workers.push_back(worker);
  }
  if (st.config.on_join)
    st.config.on_join(st.address(), incarnation);
  if (st.first_join) {
    st.first_join->deliver(incarnation);
    st.first_join.reset();
  }
}

/// Connects through the middleman actor (never a blocking `remote_actor`
/// inside an actor), then joins.
void try_join(agent_ptr self) {
  auto& st = self->state;
  auto mm = network_layer(self->home_system(), st.config.settings);
  self->request(mm, connect_timeout, caf::connect_atom::value, st.address().host, st.address().port)
    .then(
      [=](const caf::node_id&, caf::strong_actor_ptr& ptr, const std::set<std::string>&) {
        auto gateway = caf::actor_cast<caf::actor>(std::move(ptr));
        if (!gateway) {
          join_failed(self, make_error(errc::join_refused, "no node gateway at that address"));
          return;
        }
        auto& cfg = self->state.config;
        detail::node_join request;
        request.name = cfg.name;
        request.workers = cfg.workers;
        request.prefetch = cfg.prefetch;
        request.heartbeat_ms = cfg.settings.heartbeat.count();
        request.timeout_ms = cfg.settings.timeout.count();
        request.types = self->state.handlers->types();
        self->request(gateway, join_timeout, detail::join_atom::value, std::move(request))
          .then(
            [=](detail::welcome_atom, uint64_t incarnation, std::vector<caf::actor>& stand_ins) {
              joined(self, gateway, incarnation, stand_ins);
            },
            [=](caf::error& err) { join_failed(self, err); });
      },
      [=](caf::error& err) { join_failed(self, err); });
}

/// The node's side of its session with a server: joins, runs the node's
/// workers, rejoins after losing the server, and leaves on request. The
/// gateway monitors this actor, so it lives as long as the node does.
caf::behavior node_agent(agent_ptr self, worker_node_config config,
                         std::shared_ptr<const handler_registry> handlers) {
  self->state.config = std::move(config);
  self->state.handlers = std::move(handlers);
  self->set_exit_handler([=](const caf::exit_msg& exit) {
    stop_workers(self);
    self->quit(exit.reason);
  });
  self->set_down_handler([=](const caf::down_msg& down) {
    auto& st = self->state;
    if (down.source != st.gateway.address())
      return;
    st.gateway = nullptr;
    stop_workers(self);
    if (st.leaving)
      return;
    log(log_level::warn, "lost the server (" + describe(down.reason) + "); rejoining");
    join_failed(self, down.reason);
  });
  return {
    [=](detail::join_atom) -> caf::response_promise {
      auto promise = self->make_response_promise();
      self->state.first_join = promise;
      try_join(self);
      return promise;
    },
    [=](rejoin_atom) {
      if (!self->state.leaving && !self->state.gateway)
        try_join(self);
    },
    [=](detail::leave_atom, int64_t drain_ms) -> caf::result<caf::ok_atom> {
      auto& st = self->state;
      st.leaving = true;
      if (!st.gateway)
        return caf::ok_atom::value;
      auto promise = self->make_response_promise<caf::ok_atom>();
      self
        ->request(st.gateway, std::chrono::milliseconds{drain_ms} + leave_margin,
                  detail::leave_atom::value, drain_ms)
        .then([=](caf::ok_atom) mutable { promise.deliver(caf::ok_atom::value); },
              [=](caf::error&) mutable { promise.deliver(caf::ok_atom::value); });
      return promise;
    },
  };
}

} // namespace

node_port::node_port(std::unique_ptr<detail::node_port_guard> guard) : guard_(std::move(guard)) {}

node_port::~node_port() = default;

uint16_t node_port::port() const {
  return guard_->port();
}

caf::expected<std::unique_ptr<node_port>> serve_nodes(caf::actor_system& sys,
                                                      const caf::actor& supervisor,
                                                      const node_settings& settings,
                                                      const std::string& host, uint16_t port) {
  auto addresses = std::make_shared<detail::node_address_book>();
  auto gateway = sys.spawn(detail::node_gateway, settings, supervisor, addresses);
  detail::node_port_limits limits;
  limits.max_frame_bytes = settings.max_frame_bytes;
  auto guard =
    detail::node_port_guard::start(sys, gateway, settings, host, port, addresses, limits);
  if (!guard) {
    caf::anon_send_exit(gateway, caf::exit_reason::user_shutdown);
    return guard.error();
  }
  return std::make_unique<node_port>(std::move(*guard));
}

worker_node::worker_node(caf::actor_system& sys, worker_node_config config)
    : sys_(sys), config_(std::move(config)), handlers_(std::make_shared<handler_registry>()) {}

worker_node::~worker_node() {
  if (agent_)
    caf::anon_send_exit(agent_, caf::exit_reason::user_shutdown);
}

caf::expected<uint64_t> worker_node::join() {
  if (config_.servers.empty())
    return make_error(errc::invalid_argument, "no server to join");
  agent_ = sys_.spawn(node_agent, config_, std::shared_ptr<const handler_registry>{handlers_});
  caf::expected<uint64_t> result{caf::error{}};
  caf::scoped_actor self{sys_};
  self->request(agent_, caf::infinite, detail::join_atom::value)
    .receive([&](uint64_t incarnation) { result = incarnation; },
             [&](caf::error& err) { result = std::move(err); });
  return result;
}

void worker_node::leave(std::chrono::milliseconds drain) {
  if (!agent_)
    return;
  caf::scoped_actor self{sys_};
  self->request(agent_, caf::infinite, detail::leave_atom::value, int64_t{drain.count()})
    .receive([](caf::ok_atom) {}, [](caf::error&) {});
}

} // namespace troupe
