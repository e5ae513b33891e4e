// The hand-over between a worker actor and the thread that runs its jobs.
//
// A worker must answer messages (a withdrawal, a cancel) while a handler
// blocks for minutes, so it is two parts: the worker actor, which keeps this
// queue, and its runner, a thread of its own that takes jobs from the front.
// Taking a job and withdrawing it happen under one lock, so "given back" and
// "started" can never both be true of a lease.
//
// The last attempt of a job a durable store keeps is gated: the runner asks
// for it when it would start it and waits for the supervisor's `go`, which
// comes once the start is stored, so that a crash never runs a last attempt
// twice (earlier attempts start at once and their starts are stored with
// the next group commit).
//
// Reports are batched here too. A finished attempt waits in the pending
// report, which goes out (with the lease started next) when the runner is
// about to idle, when half the worker's leases are reported (or the jobs it
// holds cannot make up that half), or when it is older than `report_delay`. Only a runner that starts a job while results
// wait arms a tick (`arm_tick`): the worker actor's tick then sends a report
// that waits behind a long job, and ticks again only while results wait. A
// runner that finishes and idles, as under a trickle of jobs, arms nothing,
// so no timer thread wakes per job. Every report leaves under the lock, so
// reports reach the supervisor in the order things happened.
#pragma once

#include "internal_protocol.hpp"
#include "troupe/handler.hpp"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <unordered_set>

namespace troupe::detail {

struct held_order {
  run_order order;
  std::shared_ptr<cancellation_token> token = std::make_shared<cancellation_token>();
  /// A gated order's `go` came.
  bool released = false;
};

class run_queue {
public:
  using clock_type = std::chrono::steady_clock;
  using send_fn = std::function<void(run_report&&)>;
  using arm_fn = std::function<void()>;

  // -- constructors --

  /// `send` delivers a report; `arm_tick` asks for a `tick` after the report
  /// delay. Both run under the queue's lock and must not block.
  run_queue(size_t flush_every, clock_type::duration report_delay, send_fn send, arm_fn arm_tick)
      : flush_every_(std::max<size_t>(1, flush_every)), report_delay_(report_delay),
        send_(std::move(send)), arm_tick_(std::move(arm_tick)) {}

  // -- the worker actor's side --

  /// Adds orders: by priority, then in submission order.
  void push(std::vector<run_order> orders);

  /// Removes the unstarted orders among `leases`; returns those removed.
  std::vector<uint64_t> withdraw(const std::vector<uint64_t>& leases);

  /// Raises the token of each of `leases` that is held or running, or that
  /// has not arrived yet (its order then arrives stopped).
  void stop(const std::vector<uint64_t>& leases);

  /// Lets these gated orders start.
  void release(const std::vector<uint64_t>& leases);

  /// Raises every token, sends what is pending and wakes the runner, which
  /// then ends.
  void close();

  /// Sends the pending report if it is older than the report delay; returns
  /// whether results still wait (then the caller ticks again).
  bool tick();

  // -- the runner's side --

  /// Records how the previous attempt ended (if any), then blocks until an
  /// order is there (taking it, as started) or the queue is closed or the
  /// attempt was a worker fault (nothing). A gated order is asked for (the
  /// report's `ready`) and taken only once released; nothing else starts
  /// while it is asked for.
  std::optional<held_order> next(std::optional<run_result> finished);

private:
  void flush_locked();

  std::deque<held_order>::iterator find_waiting(uint64_t lease);

  const size_t flush_every_;
  const clock_type::duration report_delay_;
  const send_fn send_;
  const arm_fn arm_tick_;
  std::mutex mtx_;
  std::condition_variable ready_;
  std::deque<held_order> waiting_;
  std::unordered_map<uint64_t, std::shared_ptr<cancellation_token>> running_;
  /// Stops of leases whose orders have not arrived: higher than any lease
  /// pushed so far (leases reach a worker in increasing order).
  std::unordered_set<uint64_t> early_stops_;
  uint64_t highest_lease_ = 0;
  /// The gated lease asked for and not yet started (0: none).
  uint64_t asked_ = 0;
  run_report pending_;
  clock_type::time_point pending_since_;
  /// A tick is on its way.
  bool tick_armed_ = false;
  bool closed_ = false;
};

} // namespace troupe::detail
