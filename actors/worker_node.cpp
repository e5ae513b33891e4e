#include "troupe/worker_node.hpp"

#include "detail/node_gateway.hpp"
#include "detail/node_protocol.hpp"
#include "detail/worker.hpp"
#include "troupe/errors.hpp"

#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>

#include <random>

namespace troupe {

using namespace std::chrono_literals;

namespace {

/// The node as the gateway sees it: the gateway monitors the actor that
/// joined, so the agent joins itself and lives as long as the node does.
caf::behavior node_agent(caf::event_based_actor* self) {
  return {
    [=](detail::join_atom, const caf::actor& gateway,
        detail::node_join& request) -> caf::response_promise {
      auto promise = self->make_response_promise();
      self->request(gateway, caf::duration{10s}, detail::join_atom::value, std::move(request))
        .then(
          [=](detail::welcome_atom welcome, uint64_t incarnation,
              std::vector<caf::actor>& stand_ins) mutable {
            promise.deliver(welcome, incarnation, std::move(stand_ins));
          },
          [=](caf::error& err) mutable { promise.deliver(std::move(err)); });
      return promise;
    },
  };
}

/// Ends `dependent` when `anchor` ends: the node gateway lives as long as the
/// supervisor it serves.
caf::behavior end_with(caf::event_based_actor* self, caf::actor dependent, caf::actor anchor) {
  self->monitor(anchor);
  self->set_down_handler([=](const caf::down_msg&) {
    self->send_exit(dependent, caf::exit_reason::user_shutdown);
    self->quit();
  });
  return {[](caf::unit_t) {}};
}

} // namespace

caf::expected<uint16_t> serve_nodes(caf::actor_system& sys, const caf::actor& supervisor,
                                    const node_settings& settings, const std::string& host,
                                    uint16_t port) {
  std::random_device seed;
  auto incarnation = (uint64_t{seed()} << 32) | seed();
  auto gateway = sys.spawn(detail::node_gateway, settings, incarnation, supervisor);
  sys.spawn(end_with, gateway, supervisor);
  return sys.middleman().publish(gateway, port, host.c_str(), true);
}

worker_node::worker_node(caf::actor_system& sys, worker_node_config config)
    : sys_(sys), config_(std::move(config)), handlers_(std::make_shared<handler_registry>()) {}

worker_node::~worker_node() {
  for (auto& worker : workers_)
    caf::anon_send_exit(worker, caf::exit_reason::user_shutdown);
  if (agent_)
    caf::anon_send_exit(agent_, caf::exit_reason::user_shutdown);
}

caf::expected<uint64_t> worker_node::join() {
  auto gateway = sys_.middleman().remote_actor(config_.server_host, config_.server_port);
  if (!gateway)
    return gateway.error();
  if (!agent_)
    agent_ = sys_.spawn(node_agent);
  detail::node_join request;
  request.name = config_.name;
  request.workers = config_.workers;
  request.prefetch = config_.prefetch;
  request.heartbeat_ms = config_.settings.heartbeat.count();
  request.timeout_ms = config_.settings.timeout.count();
  request.types = handlers_->types();
  caf::expected<uint64_t> result{caf::error{}};
  caf::scoped_actor self{sys_};
  std::vector<caf::actor> stand_ins;
  self->request(agent_, 15s, detail::join_atom::value, *gateway, std::move(request))
    .receive(
      [&](detail::welcome_atom, uint64_t incarnation, std::vector<caf::actor>& given) {
        result = incarnation;
        stand_ins = std::move(given);
      },
      [&](caf::error& err) { result = std::move(err); });
  // Each worker reports to its stand-in on the server, which learns of the
  // worker by `attach`.
  for (auto& stand_in : stand_ins) {
    auto worker =
      sys_.spawn(detail::worker, stand_in, std::shared_ptr<const handler_registry>{handlers_},
                 size_t{config_.prefetch});
    caf::anon_send(stand_in, detail::attach_atom::value, worker);
    workers_.push_back(worker);
  }
  return result;
}

} // namespace troupe
