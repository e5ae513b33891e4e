#include "supervisor/worker_pool.hpp"

namespace troupe::detail {

worker_pool::worker_pool(size_t local, std::shared_ptr<const handler_registry> handlers,
                         const std::vector<std::string>& node_types)
    : handlers_(std::move(handlers)) {
  auto types = handlers_->types();
  local_types_ = std::make_shared<const std::set<std::string>>(types.begin(), types.end());
  known_.insert(types.begin(), types.end());
  known_.insert(node_types.begin(), node_types.end());
  slots_.resize(local);
  for (size_t slot = 0; slot < local; ++slot) {
    slots_[slot].name = "worker-" + std::to_string(slot + 1);
    slots_[slot].types = local_types_;
  }
}

std::optional<size_t> worker_pool::find(const caf::actor_addr& worker) const {
  for (size_t slot = 0; slot < slots_.size(); ++slot)
    if (slots_[slot].actor && slots_[slot].actor.address() == worker)
      return slot;
  return std::nullopt;
}

size_t worker_pool::add_slot() {
  slots_.emplace_back();
  return slots_.size() - 1;
}

std::vector<size_t> worker_pool::local_slots() const {
  std::vector<size_t> local;
  for (size_t slot = 0; slot < slots_.size(); ++slot)
    if (slots_[slot].node == 0)
      local.push_back(slot);
  return local;
}

size_t worker_pool::staffed() const {
  size_t staffed = 0;
  for (auto& slot : slots_)
    staffed += slot.actor ? 1 : 0;
  return staffed;
}

} // namespace troupe::detail
