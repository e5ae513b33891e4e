#include "nodes/node_gateway.hpp"

#include "internal_protocol.hpp"
#include "troupe/errors.hpp"

#include <caf/io/middleman.hpp>

#include <algorithm>

namespace troupe::detail {

using namespace std::chrono_literals;

std::string join_problem(const node_join& join, const node_settings& settings,
                         const std::vector<joined_node>& nodes) {
  if (join.version != node_protocol_version)
    return "the node speaks node protocol version " + std::to_string(join.version)
           + ", the server version " + std::to_string(node_protocol_version);
  if (join.name.empty())
    return "the node has no name";
  if (join.workers == 0)
    return "the node brings no worker";
  if (join.heartbeat_ms != settings.heartbeat.count()
      || join.timeout_ms != settings.timeout.count())
    return "the node's heartbeat and timeout (" + std::to_string(join.heartbeat_ms) + " ms, "
           + std::to_string(join.timeout_ms) + " ms) differ from the server's ("
           + std::to_string(settings.heartbeat.count()) + " ms, "
           + std::to_string(settings.timeout.count()) + " ms)";
  auto taken = std::any_of(nodes.begin(), nodes.end(),
                           [&](const joined_node& n) { return n.name == join.name; });
  if (taken)
    return "a node named " + join.name + " is connected";
  return {};
}

namespace {

/// Whether the message being handled comes from an actor of this process
/// (the supervisor or its journal), not from a node.
template <class Self> bool from_this_process(Self* self) {
  auto& sender = self->current_sender();
  return sender && sender->node() == self->node();
}

/// Keeps the items whose lease (`lease_of`) `held` contains, taking those
/// leases out of `held`; returns how many items it dropped.
template <class T, class Lease>
size_t keep_held(std::vector<T>& items, std::unordered_set<uint64_t>& held, Lease lease_of) {
  auto kept = std::remove_if(items.begin(), items.end(),
                             [&](const T& item) { return held.erase(lease_of(item)) == 0; });
  auto dropped = static_cast<size_t>(items.end() - kept);
  items.erase(kept, items.end());
  return dropped;
}

} // namespace

caf::behavior stand_in(caf::stateful_actor<stand_in_state>* self, caf::actor supervisor) {
  self->set_down_handler([=](const caf::down_msg& down) { self->quit(down.reason); });
  // Orders may come before the node attached its worker: they wait.
  self->set_default_handler(caf::skip);
  caf::behavior attached{
    // -- from the supervisor (and its journal) --
    [=](run_atom, std::vector<run_order>& orders) {
      if (!from_this_process(self))
        return;
      for (auto& order : orders)
        self->state.leases.insert(order.lease);
      self->send(self->state.remote, run_atom::value, std::move(orders));
    },
    [=](withdraw_atom, lease_list& leases) {
      if (from_this_process(self))
        self->send(self->state.remote, withdraw_atom::value, std::move(leases));
    },
    [=](stop_atom, lease_list& leases) {
      if (from_this_process(self))
        self->send(self->state.remote, stop_atom::value, std::move(leases));
    },
    [=](go_atom, lease_list& leases) {
      if (from_this_process(self))
        self->send(self->state.remote, go_atom::value, std::move(leases));
    },
    // -- from the node's worker --
    [=](report_atom, run_report& report) {
      auto& held = self->state.leases;
      auto stale = keep_held(report.finished, held, [](const run_result& r) { return r.lease; });
      if (report.started != 0 && held.count(report.started) == 0)
        report.started = 0;
      if (report.ready != 0 && held.count(report.ready) == 0)
        report.ready = 0;
      if (stale > 0)
        self->send(supervisor, stale_atom::value, uint64_t{stale});
      self->send(supervisor, report_atom::value, std::move(report));
    },
    [=](withdrawn_atom, lease_list& given_back) {
      keep_held(given_back.leases, self->state.leases, [](uint64_t l) { return l; });
      self->send(supervisor, withdrawn_atom::value, std::move(given_back));
    },
    [=](progress_atom, uint64_t lease, double fraction, std::string& message) {
      if (self->state.leases.count(lease) != 0)
        self->send(supervisor, progress_atom::value, lease, fraction, std::move(message));
    },
  };
  return {
    [=](attach_atom, const caf::actor& remote) {
      self->state.remote = remote;
      self->monitor(remote);
      self->set_default_handler(caf::drop);
      self->become(attached);
    },
  };
}

caf::behavior node_gateway(caf::stateful_actor<node_gateway_state>* self, node_settings settings,
                           caf::actor supervisor, std::shared_ptr<node_address_book> addresses) {
  self->state.settings = std::move(settings);
  self->state.addresses = std::move(addresses);
  self->set_default_handler(caf::drop);
  // The gateway serves as long as the supervisor does, and its stand-ins end
  // with it.
  auto stop = [=](const caf::error& reason) {
    for (auto& node : self->state.nodes)
      for (auto& s : node.stand_ins)
        self->send_exit(s, reason);
    self->quit(reason);
  };
  self->monitor(supervisor);
  self->set_exit_handler([=](const caf::exit_msg& exit) { stop(exit.reason); });
  // A node whose agent is gone is gone: its stand-ins end with it, even one
  // whose worker never attached.
  self->set_down_handler([=](const caf::down_msg& down) {
    if (down.source == supervisor.address()) {
      stop(caf::exit_reason::user_shutdown);
      return;
    }
    auto& nodes = self->state.nodes;
    auto gone = std::partition(nodes.begin(), nodes.end(),
                               [&](const joined_node& n) { return n.agent != down.source; });
    for (auto i = gone; i != nodes.end(); ++i)
      for (auto& s : i->stand_ins)
        self->send_exit(s, down.reason);
    nodes.erase(gone, nodes.end());
  });
  return {
    [=](join_atom,
        node_join& join) -> caf::result<welcome_atom, uint64_t, std::vector<caf::actor>> {
      auto& st = self->state;
      if (auto problem = join_problem(join, st.settings, st.nodes); !problem.empty())
        return make_error(errc::join_refused, std::move(problem));
      auto agent = caf::actor_cast<caf::actor>(self->current_sender());
      if (!agent)
        return make_error(errc::join_refused, "a join must come from the node's agent actor");
      self->monitor(agent);
      std::vector<caf::actor> stand_ins;
      for (uint32_t k = 0; k < join.workers; ++k)
        stand_ins.push_back(self->spawn(stand_in, supervisor));
      st.nodes.push_back({join.name, agent.address(), stand_ins});
      auto promise = self->make_response_promise<welcome_atom, uint64_t, std::vector<caf::actor>>();
      // The address the node connected from, for operators; then the slots.
      auto address = st.addresses ? st.addresses->find(agent.node()) : std::string{"unknown"};
      self
        ->request(supervisor, caf::infinite, workers_joined_atom::value, join.name,
                  std::move(address), join.types, stand_ins)
        .then([=](uint64_t incarnation) mutable {
          promise.deliver(welcome_atom::value, incarnation, stand_ins);
        });
      return promise;
    },
    [=](leave_atom, int64_t drain_ms) -> caf::result<caf::ok_atom> {
      auto& nodes = self->state.nodes;
      auto sender = caf::actor_cast<caf::actor_addr>(self->current_sender());
      auto node = std::find_if(nodes.begin(), nodes.end(),
                               [&](const joined_node& n) { return n.agent == sender; });
      if (node == nodes.end())
        return make_error(errc::join_refused, "only a joined node's agent can leave");
      auto promise = self->make_response_promise<caf::ok_atom>();
      self
        ->request(supervisor, caf::infinite, leave_atom::value, node->name,
                  std::clamp<int64_t>(drain_ms, 0, 86400000))
        .then([=](caf::ok_atom) mutable {
          // The node is done: its name is free for its restart at once.
          auto& nodes = self->state.nodes;
          nodes.erase(std::remove_if(nodes.begin(), nodes.end(),
                                     [&](const joined_node& n) { return n.agent == sender; }),
                      nodes.end());
          promise.deliver(caf::ok_atom::value);
        });
      return promise;
    },
  };
}

} // namespace troupe::detail
