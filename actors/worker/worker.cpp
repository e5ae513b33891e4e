#include "worker/worker.hpp"

#include "internal_protocol.hpp"
#include "worker/run_queue.hpp"
#include "troupe/log.hpp"

#include <caf/send.hpp>

#include <algorithm>

namespace troupe::detail {

namespace {

/// How long a finished attempt may wait to be reported with later ones.
constexpr auto report_delay = std::chrono::milliseconds{1};

/// Runs one attempt.
run_result execute(caf::blocking_actor* self, const caf::actor& supervisor,
                   const handler_registry& handlers, held_order& held) {
  auto& order = held.order;
  run_result result{order.lease, order.incarnation, static_cast<uint8_t>(run_outcome::success), {}};
  auto fail = [&](run_outcome outcome, std::string text) {
    result.outcome = static_cast<uint8_t>(outcome);
    result.text = std::move(text);
    return result;
  };
  // The worker actor takes only orders of types it has a handler for.
  const auto& handler = *handlers.find(order.type);
  auto payload = nlohmann::json::parse(order.payload, nullptr, false);
  if (payload.is_discarded())
    return fail(run_outcome::permanent_failure, "payload is not valid JSON");
  auto progress = [self, supervisor, lease = order.lease](double fraction,
                                                          const std::string& message) {
    self->send(supervisor, progress_atom::value, lease, fraction, message);
  };
  job_context ctx{order.id, order.attempt, std::move(payload), held.token, progress};
  try {
    result.text = handler(ctx).dump();
    return result;
  } catch (const worker_fault& e) {
    return fail(run_outcome::worker_fault, e.what());
  } catch (const permanent_failure& e) {
    return fail(run_outcome::permanent_failure, e.what());
  } catch (const std::exception& e) {
    return fail(run_outcome::failure, e.what());
  } catch (...) {
    return fail(run_outcome::failure, "handler threw a non-standard exception");
  }
}

} // namespace

void runner(caf::blocking_actor* self, std::shared_ptr<run_queue> queue, caf::actor supervisor,
            std::shared_ptr<const handler_registry> handlers, std::string attempt_log_name) {
  std::optional<run_result> finished;
  // A token raised before the start (a cancel that raced the order) still
  // counts as started: the supervisor decides what the attempt means.
  while (auto held = queue->next(std::move(finished))) {
    if (!attempt_log_name.empty() && logs(log_level::debug))
      log(log_level::debug, "job " + held->order.id + " attempt "
                              + std::to_string(held->order.attempt) + " started on "
                              + attempt_log_name);
    auto start = std::chrono::steady_clock::now();
    finished = execute(self, supervisor, *handlers, *held);
    finished->duration_us = std::chrono::duration_cast<std::chrono::microseconds>(
                              std::chrono::steady_clock::now() - start)
                              .count();
  }
}

caf::behavior worker(caf::event_based_actor* self, caf::actor supervisor,
                     std::shared_ptr<const handler_registry> handlers, size_t prefetch,
                     std::string attempt_log_name) {
  using tick_atom = caf::atom_constant<caf::atom("tick")>;
  auto queue =
    std::make_shared<run_queue>((prefetch + 1) / 2, report_delay,
                                [supervisor](run_report&& report) {
                                  caf::anon_send(supervisor, report_atom::value, std::move(report));
                                },
                                [me = caf::actor_cast<caf::weak_actor_ptr>(self)] {
                                  if (auto worker = caf::actor_cast<caf::actor>(me))
                                    caf::delayed_anon_send(worker, report_delay, tick_atom::value);
                                });
  self->spawn(runner, queue, supervisor, handlers, std::move(attempt_log_name));
  self->attach_functor([queue] { queue->close(); });
  return {
    [=](run_atom, std::vector<run_order>& orders) {
      // An order of a type this worker lacks goes back unrun: another worker
      // may serve it, and no attempt is spent.
      auto lacking = std::stable_partition(orders.begin(), orders.end(), [&](const run_order& o) {
        return handlers->find(o.type) != nullptr;
      });
      if (lacking != orders.end()) {
        lease_list given_back;
        for (auto i = lacking; i != orders.end(); ++i)
          given_back.leases.push_back(i->lease);
        orders.erase(lacking, orders.end());
        self->send(supervisor, withdrawn_atom::value, std::move(given_back));
      }
      queue->push(std::move(orders));
    },
    [=](tick_atom) {
      if (queue->tick())
        self->delayed_send(self, report_delay, tick_atom::value);
    },
    [=](withdraw_atom, const lease_list& leases) {
      self->send(supervisor, withdrawn_atom::value, lease_list{queue->withdraw(leases.leases)});
    },
    [=](stop_atom, const lease_list& leases) { queue->stop(leases.leases); },
    [=](go_atom, const lease_list& leases) { queue->release(leases.leases); },
  };
}

} // namespace troupe::detail
