// Where jobs live beyond the memory of one process.
//
// A job system's first promise is that an accepted job is not lost. The
// engine keeps every job in actors for speed, and writes each change of state
// through a *store*: on a restart it reads the store back and carries on, so a
// job answered with an id reaches a terminal state even if the process was
// killed at any instant (a job that was running then runs again, and its
// `attempts` shows it).
//
// Three stores come with troupe, each selected by a spec string:
// - `memory`: rows in a map; nothing outlives the process (as without a store);
// - `sqlite:PATH`: an SQLite database in WAL mode, owned exclusively by one
//   engine; `sync_mode` chooses what a commit survives;
// - `postgres://…` (a libpq URI): troupe's tables in a PostgreSQL database,
//   owned by one server at a time through a session lock; a commit survives
//   what the database's own settings make it survive.
//
// The engine calls `load` once before it starts and everything else from its
// journal actor, except `counters`, which its supervisor reads for stats: an
// implementation must make `counters` safe to call during `apply`. Both stores
// here also take a lock in every other call, so that tests and tools may read
// while an engine writes.
#pragma once

#include "troupe/job.hpp"
#include "troupe/limits.hpp"

#include <caf/expected.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace troupe {

/// One job as a store keeps it: everything needed to resume it after a
/// restart, and to answer a status query for it.
struct stored_job {
  std::string id;
  /// Submission order, for FIFO within a priority across restarts.
  uint64_t seq = 0;
  std::string type;
  /// JSON text.
  std::string payload = "null";
  /// As submitted; `delay_ms` is folded into `ready_at_ms`.
  job_options options;
  job_status status = job_status::pending;
  /// Attempts started so far; an attempt counts once its start is stored,
  /// so one interrupted by a crash is counted, and a job a worker only held
  /// is not.
  int32_t attempts = 0;
  /// JSON text of a successful result; empty otherwise.
  std::string result;
  std::optional<std::string> error;
  int64_t created_at_ms = 0;
  std::optional<int64_t> started_at_ms;
  std::optional<int64_t> finished_at_ms;
  std::optional<std::string> worker;
  bool cancel_requested = false;
  /// A pending job does not start before this time (delay or retry backoff).
  int64_t ready_at_ms = 0;
};

// The writes a store applies: one type per change, holding only the fields
// that change. Each names its job by `seq` (the store's key).

/// A new job: the whole row.
struct job_inserted {
  stored_job job;
};

/// An attempt started: the job is `running`, with `attempts` counting it.
/// Written when the worker reports the start, never when a job is merely
/// handed to a worker.
struct attempt_started {
  uint64_t seq = 0;
  int32_t attempts = 0;
  int64_t started_at_ms = 0;
  std::string worker;
};

/// The job waits for another attempt: `pending` until `ready_at_ms`.
struct retry_scheduled {
  uint64_t seq = 0;
  std::string error;
  int64_t ready_at_ms = 0;
};

/// The job ended in `status` (terminal), with the last attempt's start, so
/// that a start and its finish in one batch are one row write.
struct job_finished {
  uint64_t seq = 0;
  job_status status = job_status::success;
  /// JSON text of a successful result; empty otherwise.
  std::string result;
  std::optional<std::string> error;
  int64_t finished_at_ms = 0;
  int32_t attempts = 0;
  std::optional<int64_t> started_at_ms;
  std::optional<std::string> worker;
};

/// A cancel arrived while the job ran.
struct cancel_arrived {
  uint64_t seq = 0;
};

/// The job runs again from the start: the row takes `job`'s state (pending,
/// no attempt, no outcome) and keeps its id, type, payload and options.
struct job_requeued {
  stored_job job;
};

/// Every terminal job finished at or before `cutoff_ms` is deleted.
struct results_purged {
  int64_t cutoff_ms = 0;
};

/// A group's limit is set (or replaced); `*` is the default limit.
struct limit_set {
  std::string group;
  group_limit limit;
};

/// A group's own limit is removed.
struct limit_removed {
  std::string group;
};

/// One change, as the journal hands it to a store.
using store_write =
  std::variant<job_inserted, attempt_started, retry_scheduled, job_finished, cancel_arrived,
               job_requeued, results_purged, limit_set, limit_removed>;

/// The limits a store holds, by group.
using stored_limits = std::vector<limit_set>;

/// What a commit must survive.
enum class sync_mode : uint8_t {
  /// The process being killed at any instant (SQLite `synchronous=NORMAL`).
  normal,
  /// Also the operating system crashing or power failing (`synchronous=FULL`).
  full,
};

/// What the database says of the active server (PostgreSQL).
struct store_leadership {
  /// The active server's term: one more at every takeover.
  int64_t epoch = 0;
  /// When that term began (ms since the epoch, the database's clock).
  int64_t since_ms = 0;
};

/// How `open_store` opens a store.
struct store_options {
  sync_mode sync = sync_mode::normal;
  /// Largest size the database may grow to in bytes (0: no limit). A write
  /// that would exceed it fails as on a full disk.
  uint64_t max_bytes = 0;
  /// PostgreSQL: how long the active server's lease lasts unrenewed (it is
  /// renewed every third of it); a standby takes over once it ran out.
  std::chrono::milliseconds lease{3000};
  /// PostgreSQL: while another server is active, wait as its standby until
  /// this one can take over (true), or refuse at once (false).
  bool standby = false;
  /// PostgreSQL: asked between a standby's tries (every quarter lease),
  /// with the active server's term as the database shows it; false ends the
  /// wait, and `open_store` fails with `shutting_down`.
  std::function<bool(const store_leadership& active)> keep_waiting;
  /// PostgreSQL: called once, from the store's thread, when this server
  /// finds itself deposed (another server took over); it commits nothing
  /// from then on, and should step down.
  std::function<void()> on_deposed;
};

/// Counters of a store's writes, for metrics and tests.
struct store_counters {
  /// Transactions applied.
  uint64_t commits = 0;
  /// Writes applied within them.
  uint64_t writes = 0;
  /// Transactions that failed and were rolled back.
  uint64_t failures = 0;
};

/// The interface between the engine and its persistence.
class store {
public:
  virtual ~store();

  /// Returns a human-readable name, e.g. `sqlite:/var/lib/troupe/troupe.db`.
  virtual std::string name() const = 0;

  /// Returns whether jobs survive the end of the process.
  virtual bool durable() const = 0;

  /// Returns every job, in submission order. Called once, at start.
  virtual caf::expected<std::vector<stored_job>> load() = 0;

  /// Returns every group limit, by group name. Called once, at start.
  virtual caf::expected<stored_limits> load_limits() = 0;

  /// Applies `writes` in order, all or none. On error nothing was applied.
  virtual caf::error apply(const std::vector<store_write>& writes) = 0;

  /// Returns one job, or nothing if the store does not hold it.
  virtual caf::expected<std::optional<stored_job>> find(const std::string& id) = 0;

  /// Returns terminal jobs, newest first: at most `filter.limit`, of its
  /// status, type and group, with a `seq` below `before_seq` (its `before`,
  /// read by the engine).
  virtual caf::expected<std::vector<stored_job>> list_finished(const job_filter& filter,
                                                               uint64_t before_seq) = 0;

  /// Returns the number of jobs held.
  virtual caf::expected<uint64_t> count() = 0;

  /// Returns the counters of `apply` so far.
  virtual store_counters counters() const = 0;

  /// Returns this server's term as the active one, for a store that several
  /// servers share; nothing for one that is this server's alone.
  virtual std::optional<store_leadership> leadership() const { return std::nullopt; }
};

/// Which store to open, as `--store` and `TROUPE_STORE` name it.
struct store_spec {
  enum class kind { memory, sqlite, postgres };
  kind type = kind::sqlite;
  /// The SQLite file, or the whole PostgreSQL URI; empty for the memory store.
  std::string path;

  /// Reads `memory`, `sqlite:PATH` or a libpq URI (`postgres://…` or
  /// `postgresql://…`); anything else is an `invalid_argument` whose message
  /// completes "the store ..." (or "--store ...").
  static caf::expected<store_spec> parse(const std::string& text);

  /// The spec as it is written: `memory`, `sqlite:PATH` or the URI.
  std::string text() const;
};

/// Opens the store `spec` names (for SQLite, the parent directory of its file
/// is created if missing). Fails with `store_unavailable` and a message that
/// says what to fix when the file cannot be created or opened, is not a
/// troupe database, or is in use by another process.
caf::expected<std::shared_ptr<store>> open_store(const store_spec& spec,
                                                 store_options options = {});

/// Parses `spec` (see `store_spec::parse`) and opens that store.
caf::expected<std::shared_ptr<store>> open_store(const std::string& spec,
                                                 store_options options = {});

} // namespace troupe
