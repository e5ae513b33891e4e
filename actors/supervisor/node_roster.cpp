#include "supervisor/node_roster.hpp"

#include <algorithm>

namespace troupe::detail {

const char* to_string(node_state state) {
  switch (state) {
    case node_state::connected:
      return "connected";
    case node_state::leaving:
      return "leaving";
    case node_state::lost:
      return "lost";
    case node_state::left:
      return "left";
  }
  return "unknown";
}

node_entry& node_roster::join(std::string name, std::string address,
                              const std::vector<std::string>& types, int64_t now_ms) {
  auto gone = [](const node_entry& n) { return n.gone(); };
  nodes_.erase(std::remove_if(nodes_.begin(), nodes_.end(),
                              [&](const node_entry& n) { return n.gone() && n.name == name; }),
               nodes_.end());
  auto gone_count = static_cast<size_t>(std::count_if(nodes_.begin(), nodes_.end(), gone));
  for (auto i = nodes_.begin(); gone_count > gone_kept && i != nodes_.end();) {
    if (i->gone()) {
      i = nodes_.erase(i);
      --gone_count;
    } else {
      ++i;
    }
  }
  node_entry node;
  node.id = ++last_id_;
  node.name = std::move(name);
  node.address = std::move(address);
  node.types = std::make_shared<const std::set<std::string>>(types.begin(), types.end());
  node.connected_since_ms = now_ms;
  ++counts_.joins;
  nodes_.push_back(std::move(node));
  return nodes_.back();
}

node_entry* node_roster::find(uint64_t id) {
  auto i =
    std::find_if(nodes_.begin(), nodes_.end(), [&](const node_entry& n) { return n.id == id; });
  return i == nodes_.end() ? nullptr : &*i;
}

node_entry* node_roster::find_connected(const std::string& name) {
  auto i = std::find_if(nodes_.begin(), nodes_.end(), [&](const node_entry& n) {
    return n.name == name && n.state == node_state::connected;
  });
  return i == nodes_.end() ? nullptr : &*i;
}

size_t node_roster::present() const {
  return static_cast<size_t>(
    std::count_if(nodes_.begin(), nodes_.end(), [](const node_entry& n) { return !n.gone(); }));
}

node_stats node_roster::stats() const {
  auto stats = counts_;
  stats.connected = present();
  return stats;
}

} // namespace troupe::detail
