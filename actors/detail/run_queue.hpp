// The hand-over between a worker actor and the thread that runs its jobs.
//
// A worker must answer messages (a withdrawal, a cancel) while a handler
// blocks for minutes, so it is two parts: the worker actor, which keeps this
// queue, and its runner, a thread of its own that takes jobs from the front.
// Taking a job and withdrawing it happen under one lock, so "given back" and
// "started" can never both be true of a lease.
#pragma once

#include "detail/internal_protocol.hpp"
#include "troupe/handler.hpp"

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>

namespace troupe::detail {

struct held_order {
  run_order order;
  std::shared_ptr<cancellation_token> token = std::make_shared<cancellation_token>();
};

class run_queue {
public:
  /// Appends orders (from the worker actor).
  void push(std::vector<run_order> orders);

  /// Removes the unstarted orders among `leases`; returns those removed.
  std::vector<uint64_t> withdraw(const std::vector<uint64_t>& leases);

  /// Raises the token of each of `leases` that is held or running.
  void stop(const std::vector<uint64_t>& leases);

  /// Raises every token and wakes the runner, which then ends.
  void close();

  /// Blocks until an order is there (taking it, as started) or the queue is
  /// closed (nothing).
  std::optional<held_order> take();

  /// The runner is done with a lease.
  void done(uint64_t lease);

  /// Whether no order waits.
  bool idle();

private:
  std::mutex mtx_;
  std::condition_variable ready_;
  std::deque<held_order> waiting_;
  std::unordered_map<uint64_t, std::shared_ptr<cancellation_token>> running_;
  bool closed_ = false;
};

} // namespace troupe::detail
