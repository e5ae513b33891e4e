// The engine's counters, declared once: the supervisor fills an
// `engine_stats`, the protocol carries it as JSON generated from these
// declarations, and every reader (the facade, GET /v1/stats, /readyz,
// /metrics, the CLI) reads it back into the same struct.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace troupe {

/// Jobs the engine holds, by status (finished ones until their TTL).
struct job_counts {
  size_t pending = 0;
  size_t running = 0;
  size_t success = 0;
  size_t failed = 0;
  size_t cancelled = 0;
};

struct queue_stats {
  /// Jobs ready to run, waiting for a worker.
  size_t depth = 0;
  /// Pending jobs waiting for their delay or retry backoff.
  size_t delayed = 0;
  size_t capacity = 0;
  /// Jobs held by workers in advance that the engine is taking back (for a
  /// job of higher priority, a cancel or a drain).
  size_t withdrawing = 0;
};

struct worker_stats {
  size_t total = 0;
  size_t busy = 0;
  uint64_t restarts = 0;
  uint64_t replaced = 0;
};

/// One job type's counters since the start.
struct type_stats {
  uint64_t submitted = 0;
  uint64_t success = 0;
  uint64_t failed = 0;
  uint64_t cancelled = 0;
  /// Ready to start, waiting for a worker that serves the type.
  size_t pending = 0;
};

struct node_stats {
  size_t connected = 0;
  uint64_t joins = 0;
  uint64_t losses = 0;
  uint64_t leaves = 0;
  uint64_t requeued_by_loss = 0;
  uint64_t stale_reports = 0;
};

struct store_stats {
  std::string name;
  bool durable = false;
  /// False while the store refuses writes (submissions then fail); `error`
  /// says why.
  bool healthy = true;
  std::optional<std::string> error;
  /// Transactions and writes the journal committed, and commits that failed.
  uint64_t commits = 0;
  uint64_t writes = 0;
  uint64_t failures = 0;
};

/// What the engine holds on its heap: unfinished jobs in full, finished ones
/// (until their TTL) as a few bytes each; the store has the rest.
struct memory_stats {
  size_t jobs = 0;
  size_t finished = 0;
};

/// Run time of each job's final attempt, started to finished.
struct duration_histogram {
  /// Upper bounds of the buckets, in seconds; `counts` has one more (+Inf).
  std::vector<double> le;
  std::vector<uint64_t> counts;
  double sum = 0;
  uint64_t count = 0;
};

/// The last five minutes as arrays over complete buckets, oldest first, the
/// newest ending at `until_ms`: the jobs finished in each, how many of those
/// ran (a job cancelled before it started did not), and their run time.
struct recent_stats {
  int64_t bucket_seconds = 0;
  int64_t until_ms = 0;
  std::vector<uint64_t> finished;
  std::vector<uint64_t> timed;
  std::vector<double> run_seconds;
};

/// Flow control by group (troupe/limits.hpp).
struct group_stats {
  /// Groups with a limit of their own (and the default, if set).
  size_t limits = 0;
  /// Groups whose ready jobs wait because the group is at its limit.
  size_t at_limit = 0;
  /// Times a group's next job was held back by its limit since the start.
  uint64_t throttled_total = 0;
};

/// Which of the servers on one database this one is.
struct leader_stats {
  /// `active`: this server runs the jobs; `standby`: it waits to take over
  /// from the active one; `single`: its store is its own (SQLite, memory).
  std::string role = "single";
  /// PostgreSQL: the active server's term, one more at every takeover
  /// (a failover, or a restart of the active); 0 for `single`.
  int64_t epoch = 0;
  /// When the active server took over from another (the current epoch
  /// began); null before any takeover and for `single`.
  std::optional<int64_t> last_failover_ms;

  /// A server in `role` during the term `epoch`, begun at `since_ms`: the
  /// first term is no failover.
  static leader_stats of_term(std::string role, int64_t epoch, int64_t since_ms) {
    return {std::move(role), epoch, epoch > 1 ? std::optional<int64_t>{since_ms} : std::nullopt};
  }
};

struct engine_stats {
  leader_stats leader;
  job_counts jobs;
  queue_stats queue;
  worker_stats workers;
  std::map<std::string, type_stats> types;
  node_stats nodes;
  store_stats store;
  memory_stats memory;
  duration_histogram duration_seconds;
  recent_stats recent;
  group_stats groups;
  uint64_t submitted_total = 0;
  /// Jobs read back from the store at start.
  uint64_t recovered = 0;
  /// False while worker restarts exceed their limit.
  bool healthy = true;
  /// False once a drain began.
  bool accepting = true;
};

// `error` is null while the store is healthy.
inline void to_json(nlohmann::json& j, const store_stats& s) {
  j = {{"name", s.name},        {"durable", s.durable},
       {"healthy", s.healthy},  {"error", s.error ? nlohmann::json(*s.error) : nullptr},
       {"commits", s.commits},  {"writes", s.writes},
       {"failures", s.failures}};
}

inline void from_json(const nlohmann::json& j, store_stats& s) {
  j.at("name").get_to(s.name);
  j.at("durable").get_to(s.durable);
  j.at("healthy").get_to(s.healthy);
  s.error = j.at("error").is_null() ? std::nullopt
                                    : std::optional<std::string>{j.at("error").get<std::string>()};
  j.at("commits").get_to(s.commits);
  j.at("writes").get_to(s.writes);
  j.at("failures").get_to(s.failures);
}

// `last_failover_ms` is null rather than absent.
inline void to_json(nlohmann::json& j, const leader_stats& s) {
  j = {{"role", s.role},
       {"epoch", s.epoch},
       {"last_failover_ms", s.last_failover_ms ? nlohmann::json(*s.last_failover_ms) : nullptr}};
}

inline void from_json(const nlohmann::json& j, leader_stats& s) {
  j.at("role").get_to(s.role);
  j.at("epoch").get_to(s.epoch);
  s.last_failover_ms = j.at("last_failover_ms").is_null()
                         ? std::nullopt
                         : std::optional<int64_t>{j.at("last_failover_ms").get<int64_t>()};
}

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(job_counts, pending, running, success, failed, cancelled)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(queue_stats, depth, delayed, capacity, withdrawing)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(worker_stats, total, busy, restarts, replaced)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(type_stats, submitted, success, failed, cancelled, pending)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(node_stats, connected, joins, losses, leaves, requeued_by_loss,
                                   stale_reports)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(memory_stats, jobs, finished)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(duration_histogram, le, counts, sum, count)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(recent_stats, bucket_seconds, until_ms, finished, timed,
                                   run_seconds)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(group_stats, limits, at_limit, throttled_total)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(engine_stats, leader, jobs, queue, workers, types, nodes, store,
                                   memory, duration_seconds, recent, groups, submitted_total,
                                   recovered, healthy, accepting)

} // namespace troupe
