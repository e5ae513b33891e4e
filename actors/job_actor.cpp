#include "detail/job_actor.hpp"

#include "detail/internal_protocol.hpp"
#include "troupe/protocol.hpp"

#include <caf/event_based_actor.hpp>

namespace troupe::detail {

namespace {

using self_ptr = caf::stateful_actor<job_actor_state>*;

void announce_terminal(self_ptr self) {
  auto& st = self->state;
  if (st.watchers.empty() && st.waiters.empty())
    return;
  auto snapshot = to_json(st.job);
  for (auto& watcher : st.watchers)
    self->send(watcher, finished_atom::value, snapshot);
  st.watchers.clear();
  for (auto& [number, promise] : st.waiters)
    promise.deliver(snapshot);
  st.waiters.clear();
}

} // namespace

caf::behavior job_actor(caf::stateful_actor<job_actor_state>* self, job_record job,
                        std::shared_ptr<troupe::clock> clock) {
  self->state.job = std::move(job);
  self->state.clock = std::move(clock);
  return {
    // -- queries --
    [=](status_atom) { return to_json(self->state.job); },
    [=](wait_atom, int64_t wait_ms) -> caf::result<std::string> {
      auto& st = self->state;
      if (is_terminal(st.job.status) || wait_ms <= 0)
        return to_json(st.job);
      auto number = st.next_waiter++;
      auto promise = self->make_response_promise();
      st.waiters.emplace(number, promise);
      st.clock->schedule(st.clock->now() + std::chrono::milliseconds{wait_ms},
                         caf::actor_cast<caf::actor>(self),
                         caf::make_message(timeout_atom::value, number));
      return promise;
    },
    [=](timeout_atom, uint64_t number) {
      auto& st = self->state;
      auto i = st.waiters.find(number);
      if (i == st.waiters.end())
        return;
      i->second.deliver(to_json(st.job));
      st.waiters.erase(i);
    },
    [=](watch_atom) {
      auto& st = self->state;
      auto watcher = caf::actor_cast<caf::actor>(self->current_sender());
      if (watcher && is_terminal(st.job.status))
        self->send(watcher, finished_atom::value, to_json(st.job));
      else if (watcher)
        st.watchers.emplace_back(std::move(watcher));
      return caf::ok_atom::value;
    },
    // -- state changes from the supervisor --
    [=](started_atom, int32_t attempt, std::string& worker, int64_t at_ms) {
      auto& job = self->state.job;
      job.status = job_status::running;
      job.attempts = attempt;
      job.worker = std::move(worker);
      job.started_at_ms = at_ms;
      job.progress.reset();
      job.progress_message.reset();
    },
    [=](progress_atom, double fraction, std::string& message) {
      auto& job = self->state.job;
      job.progress = fraction;
      if (message.empty())
        job.progress_message.reset();
      else
        job.progress_message = std::move(message);
    },
    [=](retry_atom, std::string& error) {
      auto& job = self->state.job;
      job.status = job_status::pending;
      job.error = std::move(error);
    },
    [=](cancel_atom) { self->state.job.cancel_requested = true; },
    [=](finish_atom, job_status status, std::string& result, std::string& error, int64_t at_ms) {
      auto& job = self->state.job;
      job.status = status;
      job.result = std::move(result);
      if (!error.empty())
        job.error = std::move(error);
      job.finished_at_ms = at_ms;
      if (status == job_status::success)
        job.progress = 1.0;
      announce_terminal(self);
    },
    [=](expire_atom) { self->quit(); },
  };
}

} // namespace troupe::detail
