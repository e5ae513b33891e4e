// The worker slots the supervisor dispatches to, and the job types they serve.
//
// A slot is a place for one worker: the local ones run the engine's handlers
// and are restarted here when they fail; a node's slots hold the local
// stand-ins of that node's workers and are retired when the node goes (a
// retired slot is reused by the next node that joins). The pool also knows
// which types may be submitted: those of the local handlers, of every node
// seen since the start, and those configured for nodes.
#pragma once

#include "troupe/handler.hpp"

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace troupe::detail {

/// Job types, shared by the slots that serve the same ones.
using type_set = std::shared_ptr<const std::set<std::string>>;

struct worker_slot {
  /// Null once the slot's node is lost or gone: it gets no more jobs.
  caf::actor actor;
  std::string name;
  /// The join number of the worker node that runs it; 0 for a local worker.
  uint64_t node = 0;
  /// The job types it runs.
  type_set types;
  /// Its node is leaving: it gets no more jobs.
  bool leaving = false;
  /// Times this supervisor restarted or replaced its worker.
  uint32_t restarts = 0;

  /// Whether it takes new jobs of `type`.
  bool takes(const std::string& type) const { return actor && !leaving && types->count(type) != 0; }

  /// Whether it takes new jobs at all.
  bool open() const { return actor && !leaving; }
};

class worker_pool {
public:
  worker_pool() = default;

  /// `local` slots run `handlers`; `node_types` may be submitted before any
  /// node serving them joined.
  worker_pool(size_t local, std::shared_ptr<const handler_registry> handlers,
              const std::vector<std::string>& node_types);

  size_t size() const { return slots_.size(); }
  worker_slot& operator[](size_t slot) { return slots_[slot]; }
  const worker_slot& operator[](size_t slot) const { return slots_[slot]; }

  /// The slot whose worker is `worker`, if any.
  std::optional<size_t> find(const caf::actor_addr& worker) const;

  /// Adds a slot (for a node's worker); returns its number.
  size_t add_slot();

  /// The local slots, in order.
  std::vector<size_t> local_slots() const;

  /// Slots with a worker that can take jobs, busy or not.
  size_t staffed() const;

  const std::shared_ptr<const handler_registry>& handlers() const { return handlers_; }
  const type_set& local_types() const { return local_types_; }

  /// Whether a job of `type` may be submitted.
  bool knows(const std::string& type) const { return known_.count(type) != 0; }
  /// A node serving `types` joined.
  void learn(const std::vector<std::string>& types) { known_.insert(types.begin(), types.end()); }
  const std::set<std::string>& known_types() const { return known_; }

private:
  std::vector<worker_slot> slots_;
  std::shared_ptr<const handler_registry> handlers_;
  type_set local_types_;
  std::set<std::string> known_;
};

} // namespace troupe::detail
