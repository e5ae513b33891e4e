// The supervisor actor: wires the protocol's messages to the units that act
// on its state (see supervisor_state.hpp for the map).
#include "troupe/supervisor.hpp"

#include "nodes/node_protocol.hpp"
#include "store/journal.hpp"
#include "store/memory_store.hpp"
#include "supervisor/supervisor_state.hpp"
#include "troupe/errors.hpp"
#include "troupe/log.hpp"

#include <caf/event_based_actor.hpp>

#include <thread>

namespace troupe {

namespace {

using namespace detail;

/// Stops the engine: workers and job actors are told to end, and the
/// supervisor quits once its journal has released the store (so whoever waits
/// for it to end may open the store again).
void on_exit(self_ptr self, caf::exit_msg& exit) {
  auto& st = self->state;
  if (!st.gate.stop())
    return;
  for (size_t slot = 0; slot < st.workers.size(); ++slot) {
    self->demonitor(st.workers[slot].actor);
    self->send_exit(st.workers[slot].actor, exit.reason);
  }
  for (auto& [seq, job] : st.jobs)
    if (job.observer)
      self->send_exit(job.observer, exit.reason);
  if (st.journal)
    self->send_exit(st.journal, exit.reason);
  else
    self->quit();
}

void on_down(self_ptr self, caf::down_msg& down) {
  auto& st = self->state;
  if (!st.journal || down.source != st.journal.address()) {
    on_worker_down(self, down);
    return;
  }
  // Nothing can be written any more: an engine that cannot keep its promise
  // stops.
  auto stopping = !st.gate.stop();
  if (!stopping)
    log(log_level::error,
        "the journal stopped unexpectedly (" + describe(down.reason) + "); stopping the engine");
  self->quit(stopping ? caf::error{} : down.reason);
}

caf::behavior supervisor(self_ptr self, engine_config config,
                         std::shared_ptr<const handler_registry> handlers,
                         std::vector<stored_job> rows, stored_limits limits) {
  auto& st = self->state;
  if (!config.clock)
    config.clock = make_system_clock();
  if (!config.workers)
    config.workers = std::max(1u, std::thread::hardware_concurrency());
  std::random_device seed;
  st.incarnation = (uint64_t{seed()} << 32) | seed();
  st.backoff = retry_backoff{config.backoff_base, config.backoff_cap, config.jitter_seed};
  st.workers = worker_pool{*config.workers, std::move(handlers), config.node_types};
  st.finished = retention{config.recent_results};
  st.leases = lease_table{st.workers.size()};
  st.config = std::move(config);
  if (st.store().durable())
    st.journal = self->spawn<caf::detached + caf::monitored>(
      journal, st.config.store, caf::actor_cast<caf::actor>(self), st.config.max_commit_writes);
  for (auto& [group, limit] : limits)
    st.limits.set(group, limit);
  for (size_t slot = 0; slot < st.workers.size(); ++slot)
    start_worker(self, slot);
  recover(self, rows);
  dispatch(self);
  self->set_down_handler([=](caf::down_msg& down) { on_down(self, down); });
  self->set_exit_handler([=](caf::exit_msg& exit) { on_exit(self, exit); });
  return {
    // -- the public protocol (protocol.hpp) --
    [=](submit_atom, std::string& type, std::string& payload, job_options& opts) {
      return on_submit(self, type, payload, opts);
    },
    [=](submit_many_atom, std::vector<job_request>& jobs) { return on_submit_many(self, jobs); },
    [=](status_atom, const std::string& id) { return on_status(self, id); },
    [=](wait_atom, const std::string& id, int64_t wait_ms) { return on_wait(self, id, wait_ms); },
    [=](watch_atom, const std::string& id) { return on_watch(self, id); },
    [=](cancel_atom, const std::string& id) { return on_cancel(self, id); },
    [=](retry_atom, const std::string& id) { return on_retry(self, id); },
    [=](list_atom, const job_filter& filter) { return on_list(self, filter); },
    [=](list_atom, std::string& status, std::string& type, int64_t limit) {
      return on_list(self, job_filter{std::move(status), std::move(type), {}, limit, {}});
    },
    [=](list_atom, std::string& status, std::string& type, int64_t limit, std::string& before) {
      return on_list(self,
                     job_filter{std::move(status), std::move(type), {}, limit, std::move(before)});
    },
    [=](stats_atom) {
      update_health(self);
      return stats_json(self);
    },
    [=](drain_atom, int64_t deadline_ms) { return on_drain(self, deadline_ms); },
    [=](limit_atom, const std::string& group, const std::string& limit_json) {
      return on_set_limit(self, group, limit_json);
    },
    [=](limit_atom, const std::string& group) { return on_get_limit(self, group); },
    [=](limits_atom, const std::string& after, int64_t count) {
      return on_list_limits(self, after, count);
    },
    [=](unlimit_atom, const std::string& group) { return on_remove_limit(self, group); },
    [=](workers_atom) { return workers_json(self); },
    // -- from the node gateway and its stand-ins --
    [=](workers_joined_atom, const std::string& node, const std::string& address,
        const std::vector<std::string>& types, const std::vector<caf::actor>& stand_ins) {
      on_node_joined(self, node, address, types, stand_ins);
      dispatch(self);
      return self->state.incarnation;
    },
    [=](leave_atom, const std::string& node, int64_t drain_ms) {
      auto answer = on_node_leaving(self, node, drain_ms);
      dispatch(self);
      return answer;
    },
    [=](stale_atom, uint64_t count) { self->state.nodes.counts().stale_reports += count; },
    // -- from workers --
    [=](report_atom, run_report& report) { on_report(self, report); },
    [=](withdrawn_atom, lease_list& given_back) { on_withdrawn(self, given_back); },
    [=](progress_atom, uint64_t lease, double fraction, std::string& message) {
      on_progress(self, lease, fraction, message);
    },
    // -- from the journal --
    [=](flush_atom) { flush(self); },
    [=](committed_atom, uint64_t last) { on_journal_answer(self, last, {}); },
    [=](commit_failed_atom, uint64_t, uint64_t last, std::string& error,
        std::vector<run_batch>& runs) {
      // Refused jobs are dropped first, which releases their leases. The
      // others were accepted before, and start although their starts are
      // lost: a restart may count one attempt less for them.
      on_journal_answer(self, last, error);
      for (auto& run : runs) {
        auto& orders = run.orders;
        orders.erase(std::remove_if(orders.begin(), orders.end(),
                                    [&](const run_order& o) {
                                      return self->state.leases.find(o.lease) == nullptr;
                                    }),
                     orders.end());
        hand_over(self, run);
      }
      // A limit change undone may let blocked groups start again.
      dispatch(self);
    },
    // -- timers --
    [=](tick_atom) { on_tick(self); },
  };
}

} // namespace

caf::expected<caf::actor> spawn_supervisor(caf::actor_system& sys, engine_config config,
                                           std::shared_ptr<const handler_registry> handlers) {
  if (!config.store)
    config.store = make_memory_store();
  auto rows = config.store->load();
  if (!rows)
    return rows.error();
  auto limits = config.store->load_limits();
  if (!limits)
    return limits.error();
  return sys.spawn(supervisor, std::move(config), std::move(handlers), std::move(*rows),
                   std::move(*limits));
}

} // namespace troupe
