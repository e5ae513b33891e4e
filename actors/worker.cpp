#include "detail/worker.hpp"

#include "detail/internal_protocol.hpp"
#include "troupe/errors.hpp"

namespace troupe::detail {

namespace {

/// Runs one attempt; returns its report, or throws `worker_fault` through.
run_report execute(caf::event_based_actor* self, const caf::actor& supervisor,
                   const handler_registry& handlers, run_order& order) {
  run_report report{order.id, order.lease, run_outcome::success, {}};
  auto fail = [&](run_outcome outcome, std::string text) {
    report.outcome = outcome;
    report.text = std::move(text);
    return report;
  };
  const auto* fn = handlers.find(order.type);
  if (fn == nullptr)
    return fail(run_outcome::permanent_failure, "no handler for type " + order.type);
  auto payload = nlohmann::json::parse(order.payload, nullptr, false);
  if (payload.is_discarded())
    return fail(run_outcome::permanent_failure, "payload is not valid JSON");
  auto progress = [self, supervisor, id = order.id,
                   lease = order.lease](double fraction, const std::string& message) {
    self->send(supervisor, progress_atom::value, id, lease, fraction, message);
  };
  job_context ctx{order.id, order.attempt, std::move(payload), order.token, progress};
  try {
    report.text = (*fn)(ctx).dump();
    return report;
  } catch (const worker_fault&) {
    throw;
  } catch (const permanent_failure& e) {
    return fail(run_outcome::permanent_failure, e.what());
  } catch (const std::exception& e) {
    return fail(run_outcome::failure, e.what());
  } catch (...) {
    return fail(run_outcome::failure, "handler threw a non-standard exception");
  }
}

} // namespace

caf::behavior worker(caf::event_based_actor* self, caf::actor supervisor,
                     std::shared_ptr<const handler_registry> handlers) {
  return {
    [=](run_atom, std::vector<run_order>& batch) {
      for (auto& order : batch) {
        if (order.token->cancelled()) {
          self->send(supervisor, report_atom::value,
                     run_report{order.id, order.lease, run_outcome::skipped, {}});
          continue;
        }
        self->send(supervisor, started_atom::value, order.id, order.lease);
        try {
          self->send(supervisor, report_atom::value, execute(self, supervisor, *handlers, order));
        } catch (const worker_fault& e) {
          self->quit(make_error(errc::worker_fault, e.what()));
          return;
        }
      }
    },
  };
}

} // namespace troupe::detail
