// The worker nodes the supervisor knows: connected, leaving, or gone.
//
// Each joined node gets a join number unique within the supervisor's life
// (its slots and timers name it by that). Gone nodes are kept to be shown,
// the last few of them, and none of a name that joined again.
#pragma once

#include "supervisor/worker_pool.hpp"
#include "troupe/stats.hpp"

#include <caf/response_promise.hpp>

#include <optional>
#include <string>
#include <vector>

namespace troupe::detail {

enum class node_state : uint8_t { connected, leaving, lost, left };

const char* to_string(node_state state);

struct node_entry {
  /// Join number, unique within the supervisor's life.
  uint64_t id = 0;
  std::string name;
  /// Where the node connected from, as `host:port`.
  std::string address;
  type_set types;
  /// Its worker slots.
  std::vector<size_t> slots;
  node_state state = node_state::connected;
  int64_t connected_since_ms = 0;
  /// The node's request to leave, answered once it holds no lease.
  std::optional<caf::response_promise> leave;

  bool gone() const { return state == node_state::lost || state == node_state::left; }
};

class node_roster {
public:
  /// Gone nodes kept to be shown.
  static constexpr size_t gone_kept = 32;

  /// A node joined: forgets gone nodes of its name and the oldest gone ones
  /// beyond `gone_kept`; returns its entry (valid until the next join).
  node_entry& join(std::string name, std::string address, const std::vector<std::string>& types,
                   int64_t now_ms);

  node_entry* find(uint64_t id);
  /// The connected node named `name`, if any.
  node_entry* find_connected(const std::string& name);

  /// Nodes connected or leaving.
  size_t present() const;

  /// Joins, losses, leaves and what they cost, as counted so far.
  node_stats& counts() { return counts_; }
  /// The counts with `connected` filled in.
  node_stats stats() const;

  std::vector<node_entry>::iterator begin() { return nodes_.begin(); }
  std::vector<node_entry>::iterator end() { return nodes_.end(); }
  std::vector<node_entry>::const_iterator begin() const { return nodes_.begin(); }
  std::vector<node_entry>::const_iterator end() const { return nodes_.end(); }

private:
  std::vector<node_entry> nodes_;
  uint64_t last_id_ = 0;
  node_stats counts_;
};

} // namespace troupe::detail
