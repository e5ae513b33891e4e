// Worker nodes joining, leaving and lost (the roster itself: node_roster.hpp).
// Each joined node brings worker
// slots (its stand-ins) that serve the types it advertised. A node that
// leaves gives back what it has not started and gets a drain time for its
// running jobs; a node that is lost ends every attempt it held. Node losses
// are not worker crashes: they do not count towards restart intensity.
#include "supervisor/supervisor_state.hpp"

#include "troupe/log.hpp"
#include <algorithm>

namespace troupe::detail {

namespace {

/// A retired slot to reuse (one of a gone node, holding no lease), or a new
/// one.
size_t free_slot(self_ptr self) {
  auto& st = self->state;
  for (size_t slot = 0; slot < st.workers.size(); ++slot) {
    auto& w = st.workers[slot];
    if (w.node == 0 || w.actor || !st.leases.of(slot).empty())
      continue;
    auto* node = node_of(self, slot);
    if (node == nullptr || node->gone())
      return slot;
  }
  st.leases.add_slot();
  return st.workers.add_slot();
}

size_t held_by(self_ptr self, const node_entry& node) {
  size_t held = 0;
  for (auto slot : node.slots)
    held += self->state.leases.of(slot).size();
  return held;
}

/// A leaving node holds nothing any more: it may go.
void complete_leave(self_ptr self, node_entry& node) {
  auto& st = self->state;
  node.state = node_state::left;
  ++st.nodes.counts().leaves;
  for (auto slot : node.slots)
    st.workers[slot].actor = nullptr;
  if (node.leave) {
    node.leave->deliver(caf::ok_atom::value);
    node.leave.reset();
  }
  log(log_level::info, "node " + node.name + " left");
}

} // namespace

node_entry* node_of(self_ptr self, size_t slot) {
  auto id = self->state.workers[slot].node;
  return id == 0 ? nullptr : self->state.nodes.find(id);
}

void on_node_joined(self_ptr self, const std::string& name, const std::string& address,
                    const std::vector<std::string>& types,
                    const std::vector<caf::actor>& stand_ins) {
  auto& st = self->state;
  auto& node = st.nodes.join(name, address, types, to_epoch_ms(st.now()));
  st.workers.learn(types);
  for (size_t k = 0; k < stand_ins.size(); ++k) {
    auto slot = free_slot(self);
    self->monitor(stand_ins[k]);
    st.workers[slot] = {stand_ins[k], name + "/worker-" + std::to_string(k + 1), node.id,
                        node.types, false};
    node.slots.push_back(slot);
  }
  log(log_level::info, "node " + name + " joined from " + address + " with "
                         + std::to_string(stand_ins.size()) + " workers");
}

caf::result<caf::ok_atom> on_node_leaving(self_ptr self, const std::string& name,
                                          int64_t drain_ms) {
  auto& st = self->state;
  auto* node = st.nodes.find_connected(name);
  if (node == nullptr)
    return caf::ok_atom::value;
  node->state = node_state::leaving;
  for (auto slot : node->slots)
    st.workers[slot].leaving = true;
  auto promise = self->make_response_promise<caf::ok_atom>();
  node->leave = promise;
  log(log_level::info,
      "node " + name + " is leaving; its running jobs get " + std::to_string(drain_ms) + " ms");
  const auto& slots = node->slots;
  send_withdrawals(self, st.leases.withdraw_unstarted([&](size_t slot) {
    return std::find(slots.begin(), slots.end(), slot) != slots.end();
  }));
  add_timer(self, st.now() + std::chrono::milliseconds{drain_ms},
            timer_event{timer_kind::node_deadline, node->id, 0});
  check_node_leaves(self);
  return promise;
}

void check_node_leaves(self_ptr self) {
  for (auto& node : self->state.nodes)
    if (node.state == node_state::leaving && held_by(self, node) == 0)
      complete_leave(self, node);
}

void on_node_deadline(self_ptr self, uint64_t node_id) {
  auto* node = self->state.nodes.find(node_id);
  if (node == nullptr || node->state != node_state::leaving)
    return;
  auto& st = self->state;
  for (auto slot : node->slots)
    for (auto lease : st.leases.of(slot))
      send_stop(self, lease);
  for (auto slot : node->slots)
    end_slot_leases(self, slot, "interrupted: node " + node->name + " left");
  complete_leave(self, *node);
}

void on_node_worker_down(self_ptr self, size_t slot) {
  auto& st = self->state;
  auto* node = node_of(self, slot);
  if (node != nullptr && !node->gone()) {
    node->state = node_state::lost;
    ++st.nodes.counts().losses;
    log(log_level::warn, "node " + node->name + " lost");
    if (node->leave) {
      node->leave->deliver(caf::ok_atom::value);
      node->leave.reset();
    }
  }
  auto held = st.leases.of(slot).size();
  st.nodes.counts().requeued_by_loss += held;
  end_slot_leases(self, slot, "node lost: " + (node != nullptr ? node->name : std::string{}));
}

} // namespace troupe::detail
