// The bridge from HTTP handler threads to actors.
//
// A handler thread spawns one forwarding actor per engine request and waits
// on a future; the forwarder sends the request, fulfills the promise with the
// reply (or the error) and ends. Each forwarder has exactly one outstanding
// request: an actor with many (CAF 0.17 keeps them in a flat vector and scans
// timeouts per actor) slows down quadratically under load. docs/benchmarks.md
// compares this with a `scoped_actor` per thread.
#pragma once

#include "troupe/errors.hpp"
#include "troupe/protocol.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

#include <chrono>
#include <future>
#include <memory>
#include <tuple>

namespace troupe::http::detail {

template <class... Reply> using reply = caf::expected<std::tuple<Reply...>>;

template <class... Reply>
caf::behavior forwarder(caf::event_based_actor* self, caf::actor dest, caf::message msg,
                        std::chrono::milliseconds timeout,
                        std::shared_ptr<std::promise<reply<Reply...>>> done) {
  self->request(dest, caf::duration{timeout}, std::move(msg))
    .then(
      [=](Reply&... xs) {
        done->set_value(std::make_tuple(std::move(xs)...));
        self->quit();
      },
      [=](caf::error& err) {
        done->set_value(std::move(err));
        self->quit();
      });
  return {[](caf::unit_t) {}};
}

/// Submits a job and answers with its snapshot: (job_json, created). Both
/// requests run inside the actor system, so the HTTP thread waits only once.
inline caf::behavior
submit_forwarder(caf::event_based_actor* self, caf::actor dest, caf::message submission,
                 std::chrono::milliseconds timeout,
                 std::shared_ptr<std::promise<reply<std::string, bool>>> done) {
  auto fail = [=](caf::error& err) {
    done->set_value(std::move(err));
    self->quit();
  };
  self->request(dest, caf::duration{timeout}, std::move(submission))
    .then(
      [=](std::string& id, bool created) {
        self->request(dest, caf::duration{timeout}, status_atom::value, std::move(id))
          .then(
            [=](std::string& job) {
              done->set_value(std::make_tuple(std::move(job), created));
              self->quit();
            },
            fail);
      },
      fail);
  return {[](caf::unit_t) {}};
}

/// Asks the engine from any thread.
class bridge {
public:
  bridge(caf::actor_system& sys, caf::actor supervisor)
      : sys_(&sys), supervisor_(std::move(supervisor)) {}

  /// Sends `xs...` to the supervisor; returns its reply, typed as `Reply...`.
  template <class... Reply, class... Ts>
  reply<Reply...> ask(std::chrono::milliseconds timeout, Ts&&... xs) const {
    return run<Reply...>(forwarder<Reply...>, timeout, std::forward<Ts>(xs)...);
  }

  /// Submits a job (`submit_atom, type, payload, options`); returns the new
  /// or existing job's snapshot and whether it was created.
  template <class... Ts>
  reply<std::string, bool> submit(std::chrono::milliseconds timeout, Ts&&... xs) const {
    return run<std::string, bool>(submit_forwarder, timeout, submit_atom::value,
                                  std::forward<Ts>(xs)...);
  }

private:
  template <class... Reply, class Forwarder, class... Ts>
  reply<Reply...> run(Forwarder fn, std::chrono::milliseconds timeout, Ts&&... xs) const {
    auto done = std::make_shared<std::promise<reply<Reply...>>>();
    auto result = done->get_future();
    sys_->spawn(fn, supervisor_, caf::make_message(std::forward<Ts>(xs)...), timeout, done);
    // The forwarder answers by its own timeouts at the latest; the margin
    // covers a system that is shutting down and no longer runs it.
    if (result.wait_for(2 * timeout + std::chrono::seconds{5}) != std::future_status::ready)
      return make_error(errc::shutting_down, "the engine did not answer");
    return result.get();
  }

  caf::actor_system* sys_;
  caf::actor supervisor_;
};

} // namespace troupe::http::detail
