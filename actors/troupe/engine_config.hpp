// The engine's tunables, with the defaults a production deployment starts
// from. Every duration here is measured on the engine's `clock`.
#pragma once

#include "troupe/clock.hpp"
#include "troupe/store.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace troupe {

/// Settings of one engine (one supervisor and its workers).
struct engine_config {
  using ms = std::chrono::milliseconds;

  /// Number of local worker actors, each on its own thread; unset means one
  /// per hardware thread. 0 runs none: jobs then wait for worker nodes.
  std::optional<size_t> workers;

  /// Job types accepted for worker nodes before a node serving them joined
  /// (a type a node served since the start is accepted anyway). Their jobs
  /// wait until such a node joins.
  std::vector<std::string> node_types;

  /// Jobs a worker may hold beyond the one it runs. A prefetched job skips a
  /// round trip to the supervisor between jobs, and priorities stay honest at
  /// any depth (held jobs of lower priority are taken back when a higher one
  /// is ready). The cost of depth: held jobs wait behind a long one
  /// until another worker runs dry and takes them.
  size_t prefetch = 8;

  /// Pending jobs (waiting to start, including delayed and retrying ones) the
  /// engine accepts before it refuses submissions with `queue_full`.
  size_t queue_capacity = 100000;

  /// How long a finished job stays queryable before its actor is freed.
  ms result_ttl = std::chrono::hours{1};

  /// Finished jobs kept in full in memory (the most recent ones), so that a
  /// query right after a job ends needs no trip to the store; older results
  /// are answered from the store. Bounded by count: memory stays flat however
  /// many results the TTL retains.
  size_t recent_results = 4096;

  /// Backoff before retry n is drawn from [d/2, d] with
  /// d = min(backoff_cap, backoff_base * 2^(n-1)).
  ms backoff_base = std::chrono::seconds{1};
  ms backoff_cap = std::chrono::seconds{60};

  /// After an attempt timed out (and its cancellation token was raised), how
  /// long its handler may take to return before the worker is replaced.
  ms timeout_grace = std::chrono::seconds{5};

  /// Restart intensity: more than `max_restarts` worker restarts within
  /// `restart_window` marks the engine unhealthy until the window drains.
  size_t max_restarts = 10;
  ms restart_window = std::chrono::seconds{60};

  /// Where jobs are kept across restarts (see store.hpp); null means a fresh
  /// memory store, which keeps nothing beyond the process.
  std::shared_ptr<troupe::store> store;

  /// Most writes the journal commits in one transaction.
  size_t max_commit_writes = 8192;

  /// Source of time and timers; null means the system clock.
  std::shared_ptr<troupe::clock> clock;

  /// Seed of the retry jitter; 0 draws one from the OS.
  uint64_t jitter_seed = 0;
};

} // namespace troupe
