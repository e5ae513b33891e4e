// What the engine shows of itself: stats, the workers and nodes, and the
// snapshots of just-submitted jobs. Reads the parts, changes nothing.
#include "supervisor/supervisor_state.hpp"

namespace troupe::detail {

std::string stats_json(self_ptr self) {
  auto& st = self->state;
  engine_stats s;
  st.counters.fill(s, st.now());
  for (size_t slot = 0; slot < st.workers.size(); ++slot)
    s.workers.busy += st.leases.busy(slot) ? 1 : 0;
  s.workers.total = st.workers.staffed();
  s.queue.depth = st.ready.size();
  s.queue.capacity = st.config.queue_capacity;
  s.queue.withdrawing = st.leases.withdrawing();
  for (auto& type : st.workers.known_types())
    s.types[type];
  for (auto& [type, counts] : s.types)
    counts.pending = st.ready.size(type);
  s.nodes = st.nodes.stats();
  s.memory = {st.jobs.size(), st.finished.size()};
  s.groups = {st.limits.all().size(), st.ready.blocked_groups(), st.limits.throttled()};
  s.accepting = st.gate.open();
  auto& store = st.store();
  auto counters = store.counters();
  auto& error = st.writes.store_error();
  s.store = {store.name(),     store.durable(),
             error.empty(),    error.empty() ? std::nullopt : std::optional<std::string>{error},
             counters.commits, counters.writes,
             counters.failures};
  if (auto term = store.leadership())
    s.leader = leader_stats::of_term("active", term->epoch, term->since_ms);
  return nlohmann::json(s).dump();
}

std::string workers_json(self_ptr self) {
  auto& st = self->state;
  auto describe_slots = [&](const std::vector<size_t>& slots, nlohmann::json& j) {
    size_t busy = 0;
    size_t held = 0;
    auto list = nlohmann::json::array();
    for (auto slot : slots) {
      nlohmann::json running = nullptr;
      for (auto lease : st.leases.of(slot)) {
        auto* entry = st.leases.find(lease);
        auto* job = entry != nullptr && entry->started ? st.jobs.find(entry->seq) : nullptr;
        if (job != nullptr)
          running = format_job_id({entry->seq, job->tag});
      }
      busy += running.is_null() ? 0 : 1;
      held += st.leases.of(slot).size();
      list.push_back({{"name", st.workers[slot].name},
                      {"state", running.is_null() ? "idle" : "busy"},
                      {"job", std::move(running)},
                      {"jobs_held", st.leases.of(slot).size()},
                      {"restarts", st.workers[slot].restarts}});
    }
    j["workers"] = slots.size();
    j["busy"] = busy;
    j["jobs_held"] = held;
    j["list"] = std::move(list);
  };
  nlohmann::json local;
  describe_slots(st.workers.local_slots(), local);
  local["types"] = *st.workers.local_types();
  auto nodes = nlohmann::json::array();
  for (auto& node : st.nodes) {
    nlohmann::json j{{"name", node.name},
                     {"address", node.address},
                     {"state", to_string(node.state)},
                     {"connected_since", format_rfc3339(node.connected_since_ms)},
                     {"types", *node.types}};
    describe_slots(node.gone() ? std::vector<size_t>{} : node.slots, j);
    j["workers"] = node.slots.size();
    nodes.push_back(std::move(j));
  }
  return nlohmann::json{{"local", std::move(local)}, {"nodes", std::move(nodes)}}.dump();
}

void add_snapshots(self_ptr self, std::vector<submit_outcome>& outcomes) {
  auto& st = self->state;
  for (auto& outcome : outcomes) {
    if (outcome.error)
      continue;
    auto key = parse_job_id(outcome.id);
    if (auto* job = st.jobs.find(*key))
      outcome.job = snapshot(key->seq, *job);
    else if (auto* rec = st.finished.recent(key->seq, outcome.id))
      outcome.job = to_json(*rec);
  }
}

} // namespace troupe::detail
