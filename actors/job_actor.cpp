#include "detail/job_actor.hpp"

#include "detail/internal_protocol.hpp"
#include "troupe/protocol.hpp"

#include <caf/event_based_actor.hpp>

namespace troupe::detail {

caf::behavior job_actor(caf::stateful_actor<job_actor_state>* self, std::string id,
                        caf::actor supervisor, std::shared_ptr<troupe::clock> clock) {
  auto& st = self->state;
  st.id = std::move(id);
  st.supervisor = std::move(supervisor);
  st.clock = std::move(clock);
  return {
    [=](wait_atom, int64_t wait_ms) -> caf::result<std::string> {
      auto& st = self->state;
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
      if (st.waiters.count(number) == 0)
        return;
      self->request(st.supervisor, caf::infinite, status_atom::value, st.id)
        .then(
          [=](std::string& job) {
            auto& waiters = self->state.waiters;
            if (auto i = waiters.find(number); i != waiters.end()) {
              i->second.deliver(std::move(job));
              waiters.erase(i);
            }
          },
          [=](caf::error& err) {
            auto& waiters = self->state.waiters;
            if (auto i = waiters.find(number); i != waiters.end()) {
              i->second.deliver(std::move(err));
              waiters.erase(i);
            }
          });
    },
    [=](watch_atom) {
      if (auto watcher = caf::actor_cast<caf::actor>(self->current_sender()))
        self->state.watchers.emplace_back(std::move(watcher));
      return caf::ok_atom::value;
    },
    [=](finish_atom, const std::string& job) {
      auto& st = self->state;
      for (auto& watcher : st.watchers)
        self->send(watcher, finished_atom::value, job);
      for (auto& [number, promise] : st.waiters)
        promise.deliver(job);
      st.watchers.clear();
      st.waiters.clear();
      self->quit();
    },
  };
}

} // namespace troupe::detail
