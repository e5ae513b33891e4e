// Time as the engine sees it, injectable.
//
// Every timed behaviour of the engine (delayed starts, retry backoff, attempt
// timeouts, result TTL, shutdown deadlines) reads `now()` and arms timers with
// `schedule()` on one `clock`. Production uses the system clock and CAF's timer
// thread; tests use `manual_clock`, whose time moves only when the test says
// so, which makes those behaviours deterministic and instant to test.
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/message.hpp>

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

namespace troupe {

/// The engine's source of time and timers.
class clock {
public:
  /// Wall-clock time, so that timestamps are meaningful to users.
  using time_point = std::chrono::system_clock::time_point;
  using duration = std::chrono::system_clock::duration;

  virtual ~clock();

  /// Returns the current time.
  virtual time_point now() const = 0;

  /// Delivers `msg` to `target` once the clock reaches `when`. The clock holds
  /// no strong reference: a target that terminated meanwhile gets nothing.
  virtual void schedule(time_point when, const caf::actor& target, caf::message msg) = 0;
};

/// Returns the production clock: system time, CAF's timer thread.
std::shared_ptr<clock> make_system_clock();

/// Converts a time point to milliseconds since the Unix epoch.
int64_t to_epoch_ms(clock::time_point t);

/// A clock that stands still until `advance` moves it; for tests.
class manual_clock : public clock {
public:
  // -- constructors --

  /// Starts at `start` (by default 2026-01-01T00:00:00Z).
  explicit manual_clock(time_point start = time_point{std::chrono::seconds{1767225600}});

  // -- clock interface --

  time_point now() const override;

  void schedule(time_point when, const caf::actor& target, caf::message msg) override;

  // -- test controls --

  /// Moves time forward by `d`, delivering every message that falls due, in
  /// order of their deadlines.
  void advance(duration d);

  /// Moves time to `t` (if later than now), delivering what falls due.
  void advance_to(time_point t);

  /// Blocks (up to `real_timeout` of real time) until some message is
  /// scheduled for a time before `limit`, and returns the earliest such time.
  /// Lets a test wait for "the engine has armed its retry timer" as an event.
  std::optional<time_point> await_scheduled_before(time_point limit,
                                                   std::chrono::milliseconds real_timeout);

private:
  struct entry {
    caf::actor_addr target;
    caf::message msg;
  };

  mutable std::mutex mtx_;
  std::condition_variable scheduled_;
  time_point now_;
  std::multimap<time_point, entry> entries_;
};

} // namespace troupe
