#include "detail/worker.hpp"

#include "detail/internal_protocol.hpp"
#include "detail/run_queue.hpp"

namespace troupe::detail {

namespace {

/// Runs one attempt.
run_result execute(caf::blocking_actor* self, const caf::actor& supervisor,
                   const handler_registry& handlers, held_order& held) {
  auto& order = held.order;
  run_result result{order.lease, static_cast<uint8_t>(run_outcome::success), {}};
  auto fail = [&](run_outcome outcome, std::string text) {
    result.outcome = static_cast<uint8_t>(outcome);
    result.text = std::move(text);
    return result;
  };
  const auto* fn = handlers.find(order.type);
  if (fn == nullptr)
    return fail(run_outcome::permanent_failure, "no handler for type " + order.type);
  auto payload = nlohmann::json::parse(order.payload, nullptr, false);
  if (payload.is_discarded())
    return fail(run_outcome::permanent_failure, "payload is not valid JSON");
  auto progress = [self, supervisor, lease = order.lease](double fraction,
                                                          const std::string& message) {
    self->send(supervisor, progress_atom::value, lease, fraction, message);
  };
  job_context ctx{order.id, order.attempt, std::move(payload), held.token, progress};
  try {
    result.text = (*fn)(ctx).dump();
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
            std::shared_ptr<const handler_registry> handlers) {
  run_report report;
  while (auto held = queue->take()) {
    // A token raised before the start (a cancel that raced the order) still
    // counts as started: the supervisor decides what the attempt means.
    report.started = held->order.lease;
    self->send(supervisor, report_atom::value, std::move(report));
    report = run_report{};
    auto result = execute(self, supervisor, *handlers, *held);
    queue->done(held->order.lease);
    bool fault = result.outcome == static_cast<uint8_t>(run_outcome::worker_fault);
    report.finished.push_back(std::move(result));
    if (fault)
      break;
    // Busy: the next start carries this report. Idle: send it now.
    if (queue->idle()) {
      self->send(supervisor, report_atom::value, std::move(report));
      report = run_report{};
    }
  }
  if (!report.finished.empty())
    self->send(supervisor, report_atom::value, std::move(report));
}

caf::behavior worker(caf::event_based_actor* self, caf::actor supervisor,
                     std::shared_ptr<const handler_registry> handlers) {
  auto queue = std::make_shared<run_queue>();
  self->spawn(runner, queue, supervisor, std::move(handlers));
  self->attach_functor([queue] { queue->close(); });
  return {
    [=](run_atom, std::vector<run_order>& orders) { queue->push(std::move(orders)); },
    [=](withdraw_atom, const lease_list& leases) {
      self->send(supervisor, withdrawn_atom::value, lease_list{queue->withdraw(leases.leases)});
    },
    [=](stop_atom, const lease_list& leases) { queue->stop(leases.leases); },
  };
}

} // namespace troupe::detail
