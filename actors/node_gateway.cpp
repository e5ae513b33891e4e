#include "detail/node_gateway.hpp"

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

caf::behavior node_gateway(caf::stateful_actor<node_gateway_state>* self, node_settings settings,
                           uint64_t incarnation) {
  self->state.settings = std::move(settings);
  self->state.incarnation = incarnation;
  self->set_down_handler([=](const caf::down_msg& down) {
    auto& nodes = self->state.nodes;
    nodes.erase(std::remove_if(nodes.begin(), nodes.end(),
                               [&](const joined_node& n) { return n.agent == down.source; }),
                nodes.end());
  });
  return {
    [=](join_atom, node_join& join) -> caf::result<welcome_atom, uint64_t> {
      auto& st = self->state;
      if (auto problem = join_problem(join, st.settings, st.nodes); !problem.empty())
        return make_error(errc::join_refused, std::move(problem));
      auto agent = self->current_sender();
      self->monitor(agent);
      st.nodes.push_back({std::move(join.name), caf::actor_cast<caf::actor_addr>(agent),
                          join.workers, std::move(join.types), std::chrono::system_clock::now()});
      return {welcome_atom::value, st.incarnation};
    },
  };
}

} // namespace troupe::detail
