#include "store/sqlite_store.hpp"

#include "store/sqlite_statement.hpp"
#include "troupe/errors.hpp"

#include <sqlite3.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <variant>

namespace troupe::detail {

namespace {

/// Marks a database as troupe's (`PRAGMA application_id`): "trup".
constexpr int32_t application_id = 0x74727570;

/// Version of the schema below (`PRAGMA user_version`).
constexpr int32_t schema_version = 1;

constexpr const char* schema = R"sql(
CREATE TABLE jobs(
  seq              INTEGER PRIMARY KEY,
  id               TEXT NOT NULL UNIQUE,
  type             TEXT NOT NULL,
  payload          TEXT NOT NULL,
  priority         INTEGER NOT NULL,
  max_attempts     INTEGER NOT NULL,
  timeout_ms       INTEGER NOT NULL,
  idempotency_key  TEXT,
  status           TEXT NOT NULL,
  attempts         INTEGER NOT NULL,
  result           TEXT,
  error            TEXT,
  created_at_ms    INTEGER NOT NULL,
  started_at_ms    INTEGER,
  finished_at_ms   INTEGER,
  worker           TEXT,
  cancel_requested INTEGER NOT NULL,
  ready_at_ms      INTEGER NOT NULL
);
CREATE INDEX jobs_by_finish ON jobs(finished_at_ms) WHERE finished_at_ms IS NOT NULL;
)sql";

constexpr const char* columns =
  "seq, id, type, payload, priority, max_attempts, timeout_ms, idempotency_key, status, "
  "attempts, result, error, created_at_ms, started_at_ms, finished_at_ms, worker, "
  "cancel_requested, ready_at_ms";

class sqlite_store final : public store {
public:
  // -- constructors, destructors --

  /// Takes ownership of an open, prepared database.
  sqlite_store(std::string path, sqlite3* db)
      : path_(std::move(path)), db_(db), begin_(db, "BEGIN"), commit_(db, "COMMIT"),
        rollback_(db, "ROLLBACK"),
        insert_(db, std::string{"INSERT INTO jobs("} + columns
                      + ") VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,"
                        "?17,?18)"),
        start_(db, "UPDATE jobs SET status=?2, attempts=?3, started_at_ms=?4, worker=?5 "
                   "WHERE seq=?1"),
        retry_(db, "UPDATE jobs SET status=?2, error=?3, ready_at_ms=?4 WHERE seq=?1"),
        finish_(db, "UPDATE jobs SET status=?2, result=?3, error=?4, finished_at_ms=?5, "
                    "attempts=?6, started_at_ms=?7, worker=?8 WHERE seq=?1"),
        request_cancel_(db, "UPDATE jobs SET cancel_requested=?2 WHERE seq=?1"),
        requeue_(db, "UPDATE jobs SET status=?2, attempts=?3, result=?4, error=?5, "
                     "created_at_ms=?6, started_at_ms=?7, finished_at_ms=?8, worker=?9, "
                     "cancel_requested=?10, ready_at_ms=?11 WHERE seq=?1"),
        purge_(db, "DELETE FROM jobs WHERE finished_at_ms IS NOT NULL AND finished_at_ms <= ?1"),
        find_(db, std::string{"SELECT "} + columns + " FROM jobs WHERE id=?1"),
        load_(db, std::string{"SELECT "} + columns + " FROM jobs ORDER BY seq"),
        list_finished_(db, std::string{"SELECT "} + columns
                             + " FROM jobs WHERE finished_at_ms IS NOT NULL "
                               "AND (?1 = '' OR status = ?1) AND (?2 = '' OR type = ?2) "
                               "AND seq < ?4 ORDER BY seq DESC LIMIT ?3"),
        count_(db, "SELECT count(*) FROM jobs") {}

  // -- store --

  std::string name() const override { return "sqlite:" + path_; }

  bool durable() const override { return true; }

  caf::expected<std::vector<stored_job>> load() override {
    std::lock_guard<std::mutex> guard{mtx_};
    std::vector<stored_job> jobs;
    int rc;
    while ((rc = load_.step()) == SQLITE_ROW)
      jobs.push_back(read_row(load_));
    load_.reset();
    if (rc != SQLITE_DONE)
      return failure("cannot read the jobs");
    return jobs;
  }

  caf::error apply(const std::vector<store_write>& writes) override {
    std::lock_guard<std::mutex> guard{mtx_};
    auto rc = begin_.run();
    for (size_t i = 0; rc == SQLITE_OK && i < writes.size(); ++i)
      rc = apply_one(writes[i]);
    if (rc == SQLITE_OK)
      rc = commit_.run();
    if (rc != SQLITE_OK) {
      auto err = failure("cannot write the jobs");
      if (!sqlite3_get_autocommit(db_.get()))
        rollback_.run();
      ++failures_;
      return err;
    }
    ++commits_;
    writes_ += writes.size();
    return {};
  }

  caf::expected<std::optional<stored_job>> find(const std::string& id) override {
    std::lock_guard<std::mutex> guard{mtx_};
    find_.bind(1, id);
    auto rc = find_.step();
    std::optional<stored_job> job;
    if (rc == SQLITE_ROW)
      job = read_row(find_);
    find_.reset();
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
      return failure("cannot read job " + id);
    return job;
  }

  caf::expected<std::vector<stored_job>> list_finished(const std::string& status,
                                                       const std::string& type, size_t limit,
                                                       uint64_t before_seq) override {
    std::lock_guard<std::mutex> guard{mtx_};
    // Sequences are stored as SQLite integers, which are signed.
    auto before = static_cast<int64_t>(std::min<uint64_t>(before_seq, INT64_MAX));
    list_finished_.bind(1, status)
      .bind(2, type)
      .bind(3, static_cast<int64_t>(limit))
      .bind(4, before);
    std::vector<stored_job> jobs;
    int rc;
    while ((rc = list_finished_.step()) == SQLITE_ROW)
      jobs.push_back(read_row(list_finished_));
    list_finished_.reset();
    if (rc != SQLITE_DONE)
      return failure("cannot list the jobs");
    return jobs;
  }

  caf::expected<uint64_t> count() override {
    std::lock_guard<std::mutex> guard{mtx_};
    auto rc = count_.step();
    uint64_t n = rc == SQLITE_ROW ? static_cast<uint64_t>(count_.int_at(0)) : 0;
    count_.reset();
    if (rc != SQLITE_ROW)
      return failure("cannot count the jobs");
    return n;
  }

  store_counters counters() const override {
    return {commits_.load(), writes_.load(), failures_.load()};
  }

private:
  struct closer {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };

  caf::error failure(const std::string& what) const {
    return make_error(errc::store_unavailable,
                      name() + ": " + what + ": " + sqlite3_errmsg(db_.get()));
  }

  int apply_one(const store_write& w) {
    return std::visit([this](auto& change) { return run(change); }, w);
  }

  // One statement per change. Text is bound without a copy: whatever is
  // bound must outlive the statement's run, so no temporary string is.

  int run(const job_inserted& w) {
    const auto& job = w.job;
    std::optional<std::string> key;
    if (!job.options.idempotency_key.empty())
      key = job.options.idempotency_key;
    auto status = std::string{to_string(job.status)};
    insert_.bind(1, static_cast<int64_t>(job.seq))
      .bind(2, job.id)
      .bind(3, job.type)
      .bind(4, job.payload)
      .bind(5, job.options.priority)
      .bind(6, job.options.max_attempts)
      .bind(7, job.options.timeout_ms)
      .bind(8, key);
    return bind_state(insert_, 9, status, job).run();
  }

  int run(const attempt_started& w) {
    static const std::string running{to_string(job_status::running)};
    return start_.bind(1, static_cast<int64_t>(w.seq))
      .bind(2, running)
      .bind(3, w.attempts)
      .bind(4, w.started_at_ms)
      .bind(5, w.worker)
      .run();
  }

  int run(const retry_scheduled& w) {
    static const std::string pending{to_string(job_status::pending)};
    return retry_.bind(1, static_cast<int64_t>(w.seq))
      .bind(2, pending)
      .bind(3, w.error)
      .bind(4, w.ready_at_ms)
      .run();
  }

  int run(const job_finished& w) {
    auto status = std::string{to_string(w.status)};
    return finish_.bind(1, static_cast<int64_t>(w.seq))
      .bind(2, status)
      .bind(3, w.result.empty() ? std::optional<std::string>{} : w.result)
      .bind(4, w.error)
      .bind(5, w.finished_at_ms)
      .bind(6, w.attempts)
      .bind(7, w.started_at_ms)
      .bind(8, w.worker)
      .run();
  }

  int run(const cancel_arrived& w) {
    return request_cancel_.bind(1, static_cast<int64_t>(w.seq)).bind(2, 1).run();
  }

  int run(const job_requeued& w) {
    auto status = std::string{to_string(w.job.status)};
    requeue_.bind(1, static_cast<int64_t>(w.job.seq));
    return bind_state(requeue_, 2, status, w.job).run();
  }

  int run(const results_purged& w) { return purge_.bind(1, w.cutoff_ms).run(); }

  /// Binds a job's state, the columns from `status` to `ready_at_ms` in the
  /// order of the schema, to the parameters from `first` on.
  static statement& bind_state(statement& s, int first, const std::string& status,
                               const stored_job& job) {
    s.bind(first, status).bind(first + 1, job.attempts);
    if (job.result.empty())
      s.bind(first + 2, std::optional<std::string>{});
    else
      s.bind(first + 2, job.result);
    return s.bind(first + 3, job.error)
      .bind(first + 4, job.created_at_ms)
      .bind(first + 5, job.started_at_ms)
      .bind(first + 6, job.finished_at_ms)
      .bind(first + 7, job.worker)
      .bind(first + 8, job.cancel_requested ? 1 : 0)
      .bind(first + 9, job.ready_at_ms);
  }

  static stored_job read_row(const statement& s) {
    stored_job job;
    job.seq = static_cast<uint64_t>(s.int_at(0));
    job.id = s.text_at(1);
    job.type = s.text_at(2);
    job.payload = s.text_at(3);
    job.options.priority = static_cast<int32_t>(s.int_at(4));
    job.options.max_attempts = static_cast<int32_t>(s.int_at(5));
    job.options.timeout_ms = s.int_at(6);
    job.options.idempotency_key = s.text_at(7);
    job.status = parse_job_status(s.text_at(8)).value_or(job_status::failed);
    job.attempts = static_cast<int32_t>(s.int_at(9));
    job.result = s.text_at(10);
    job.error = s.optional_text_at(11);
    job.created_at_ms = s.int_at(12);
    job.started_at_ms = s.optional_int_at(13);
    job.finished_at_ms = s.optional_int_at(14);
    job.worker = s.optional_text_at(15);
    job.cancel_requested = s.int_at(16) != 0;
    job.ready_at_ms = s.int_at(17);
    return job;
  }

  std::string path_;
  // Declared before the statements, so that it closes after they finalize:
  // a connection with unfinalized statements would stay open (and locked).
  std::unique_ptr<sqlite3, closer> db_;
  std::mutex mtx_;
  // Atomic, so that reading them never waits for a commit on the disk.
  std::atomic<uint64_t> commits_{0};
  std::atomic<uint64_t> writes_{0};
  std::atomic<uint64_t> failures_{0};
  statement begin_, commit_, rollback_;
  statement insert_, start_, retry_, finish_, request_cancel_, requeue_, purge_;
  statement find_, load_, list_finished_, count_;
};

/// Why a database cannot be used, in words that say what to do.
std::string explain(const std::string& path, sqlite3* db, int rc) {
  std::string detail = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return path + " is in use by another process (is another troupe serving from it?): " + detail;
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      return path + " is not a usable troupe database (" + detail
             + "); move it away or choose another path";
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_READONLY:
      return "cannot open " + path + " for writing (" + detail
             + "); check that its directory exists and is writable";
    default:
      return "cannot open " + path + ": " + detail;
  }
}

/// Runs SQL on a connection being opened; returns the SQLite result code.
int exec(sqlite3* db, const std::string& sql) {
  return sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
}

/// Reads one integer from a query (a pragma) on a connection being opened.
int query_int(sqlite3* db, const std::string& sql, int64_t& out) {
  sqlite3_stmt* stmt = nullptr;
  auto rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr);
  if (rc == SQLITE_OK) {
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
      out = sqlite3_column_int64(stmt, 0);
      rc = SQLITE_OK;
    }
  }
  sqlite3_finalize(stmt);
  return rc;
}

/// Configures a fresh connection and makes sure it holds troupe's schema.
/// Returns an explanation if the database cannot be used.
std::optional<std::string> prepare(const std::string& path, sqlite3* db,
                                   const store_options& options) {
  auto fail = [&](int rc) { return std::optional<std::string>{explain(path, db, rc)}; };
  // An exclusive lock, taken by the first write below and held until close,
  // keeps a second engine off the file. WAL lets a commit append instead of
  // rewriting pages; NORMAL syncs at checkpoints only, which a killed process
  // cannot undo, FULL syncs every commit, which an OS crash cannot undo.
  std::string pragmas = "PRAGMA locking_mode=EXCLUSIVE; PRAGMA journal_mode=WAL; "
                        "PRAGMA journal_size_limit=67108864; PRAGMA synchronous=";
  pragmas += options.sync == sync_mode::full ? "FULL;" : "NORMAL;";
  if (auto rc = exec(db, pragmas); rc != SQLITE_OK)
    return fail(rc);
  if (sqlite3_db_readonly(db, "main") == 1)
    return fail(SQLITE_READONLY);
  if (auto rc = exec(db, "BEGIN IMMEDIATE"); rc != SQLITE_OK)
    return fail(rc);
  int64_t id = 0, version = 0, tables = 0;
  int rc = query_int(db, "PRAGMA application_id", id);
  if (rc == SQLITE_OK)
    rc = query_int(db, "PRAGMA user_version", version);
  if (rc == SQLITE_OK)
    rc = query_int(db, "SELECT count(*) FROM sqlite_master", tables);
  std::optional<std::string> problem;
  if (rc != SQLITE_OK) {
    problem = explain(path, db, rc);
  } else if (tables == 0) {
    rc = exec(db, schema + std::string{"PRAGMA application_id="} + std::to_string(application_id)
                    + "; PRAGMA user_version=" + std::to_string(schema_version) + ";");
    if (rc != SQLITE_OK)
      problem = explain(path, db, rc);
  } else if (id != application_id) {
    problem = path
              + " is an SQLite database of another program, not troupe's; "
                "choose another path";
  } else if (version != schema_version) {
    problem = path + " has troupe schema version " + std::to_string(version)
              + ", this build reads version " + std::to_string(schema_version);
  }
  if (problem) {
    exec(db, "ROLLBACK");
    return problem;
  }
  if (rc = exec(db, "COMMIT"); rc != SQLITE_OK)
    return fail(rc);
  if (options.max_bytes > 0) {
    int64_t page_size = 4096;
    query_int(db, "PRAGMA page_size", page_size);
    auto pages = std::max<uint64_t>(1, options.max_bytes / static_cast<uint64_t>(page_size));
    if (rc = exec(db, "PRAGMA max_page_count=" + std::to_string(pages)); rc != SQLITE_OK)
      return fail(rc);
  }
  return std::nullopt;
}

} // namespace

caf::expected<std::shared_ptr<store>> open_sqlite_store(const std::string& path,
                                                        const store_options& options) {
  auto unavailable = [](std::string message) {
    return make_error(errc::store_unavailable, std::move(message));
  };
  auto parent = std::filesystem::path{path}.parent_path();
  std::error_code ec;
  if (!parent.empty() && !std::filesystem::is_directory(parent, ec)) {
    std::filesystem::create_directories(parent, ec);
    if (ec)
      return unavailable("cannot create directory " + parent.string() + " for " + path + ": "
                         + ec.message());
  }
  sqlite3* raw = nullptr;
  auto rc =
    sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  std::unique_ptr<sqlite3, int (*)(sqlite3*)> db{raw, sqlite3_close_v2};
  if (rc != SQLITE_OK)
    return unavailable(explain(path, raw, rc));
  sqlite3_extended_result_codes(raw, 1);
  if (auto problem = prepare(path, raw, options))
    return unavailable(std::move(*problem));
  try {
    return std::shared_ptr<store>{std::make_shared<sqlite_store>(path, db.release())};
  } catch (const std::runtime_error& e) {
    return unavailable("cannot prepare statements on " + path + ": " + e.what());
  }
}

} // namespace troupe::detail
