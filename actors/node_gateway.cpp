#include "detail/node_gateway.hpp"

#include "detail/internal_protocol.hpp"
#include "troupe/errors.hpp"

#include <algorithm>

namespace troupe::detail {

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

caf::behavior stand_in(caf::stateful_actor<stand_in_state>* self, caf::actor supervisor,
                       std::string node) {
  self->set_down_handler([=](const caf::down_msg& down) { self->quit(down.reason); });
  return {
    [=](attach_atom, const caf::actor& remote) {
      if (self->state.remote)
        return;
      self->state.remote = remote;
      self->monitor(remote);
      self->send(supervisor, workers_joined_atom::value, node,
                 std::vector<caf::actor>{caf::actor_cast<caf::actor>(self)});
    },
    // -- from the supervisor (and its journal) --
    [=](run_atom, std::vector<run_order>& orders) {
      for (auto& order : orders)
        self->state.leases.insert(order.lease);
      self->send(self->state.remote, run_atom::value, std::move(orders));
    },
    [=](withdraw_atom, lease_list& leases) {
      self->send(self->state.remote, withdraw_atom::value, std::move(leases));
    },
    [=](stop_atom, lease_list& leases) {
      self->send(self->state.remote, stop_atom::value, std::move(leases));
    },
    // -- from the node's worker --
    [=](report_atom, run_report& report) {
      auto& held = self->state.leases;
      auto& finished = report.finished;
      finished.erase(std::remove_if(finished.begin(), finished.end(),
                                    [&](const run_result& r) { return held.erase(r.lease) == 0; }),
                     finished.end());
      if (report.started != 0 && held.count(report.started) == 0)
        report.started = 0;
      self->send(supervisor, report_atom::value, std::move(report));
    },
    [=](withdrawn_atom, lease_list& given_back) {
      auto& leases = given_back.leases;
      leases.erase(std::remove_if(leases.begin(), leases.end(),
                                  [&](uint64_t l) { return self->state.leases.erase(l) == 0; }),
                   leases.end());
      self->send(supervisor, withdrawn_atom::value, std::move(given_back));
    },
    [=](progress_atom, uint64_t lease, double fraction, std::string& message) {
      if (self->state.leases.count(lease) != 0)
        self->send(supervisor, progress_atom::value, lease, fraction, std::move(message));
    },
  };
}

caf::behavior node_gateway(caf::stateful_actor<node_gateway_state>* self, node_settings settings,
                           uint64_t incarnation, caf::actor supervisor) {
  self->state.settings = std::move(settings);
  self->state.incarnation = incarnation;
  self->set_down_handler([=](const caf::down_msg& down) {
    auto& nodes = self->state.nodes;
    nodes.erase(std::remove_if(nodes.begin(), nodes.end(),
                               [&](const joined_node& n) { return n.agent == down.source; }),
                nodes.end());
  });
  return {
    [=](join_atom,
        node_join& join) -> caf::result<welcome_atom, uint64_t, std::vector<caf::actor>> {
      auto& st = self->state;
      if (auto problem = join_problem(join, st.settings, st.nodes); !problem.empty())
        return make_error(errc::join_refused, std::move(problem));
      auto agent = self->current_sender();
      self->monitor(agent);
      std::vector<caf::actor> stand_ins;
      for (uint32_t k = 0; k < join.workers; ++k)
        stand_ins.push_back(self->spawn(stand_in, supervisor, join.name));
      st.nodes.push_back({std::move(join.name), caf::actor_cast<caf::actor_addr>(agent),
                          join.workers, std::move(join.types), std::chrono::system_clock::now()});
      return {welcome_atom::value, st.incarnation, std::move(stand_ins)};
    },
  };
}

} // namespace troupe::detail
