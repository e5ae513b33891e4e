#include "supervisor/job_actor.hpp"

#include "internal_protocol.hpp"
#include "troupe/protocol.hpp"

#include <caf/event_based_actor.hpp>

namespace troupe::detail {

caf::behavior job_actor(caf::stateful_actor<job_actor_state>* self, std::string id) {
  // (An argument also keeps CAF 0.17's spawn of a function without one from
  // dereferencing an empty argument pack, which UBSan reports.)
  self->state.id = std::move(id);
  return {
    [=](wait_atom, uint64_t number) -> caf::result<std::string> {
      auto promise = self->make_response_promise();
      self->state.waiters.emplace(number, promise);
      return promise;
    },
    [=](timeout_atom, uint64_t number, const std::string& job) {
      auto& waiters = self->state.waiters;
      if (auto i = waiters.find(number); i != waiters.end()) {
        i->second.deliver(job);
        waiters.erase(i);
      }
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
