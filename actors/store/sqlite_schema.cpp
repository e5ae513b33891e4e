#include "store/sqlite_schema.hpp"

#include <algorithm>

namespace troupe::detail {

namespace {

/// Marks a database as troupe's (`PRAGMA application_id`): "trup".
constexpr int32_t application_id = 0x74727570;

/// Version of the schema below (`PRAGMA user_version`). 2 added `job_group`,
/// 3 the table of group limits.
constexpr int32_t schema_version = 3;

/// What takes a database of each older version to the next one.
constexpr const char* migrations[] = {
  /* 1 → 2 */ "ALTER TABLE jobs ADD COLUMN job_group TEXT;",
  /* 2 → 3 */ "CREATE TABLE group_limits(job_group TEXT PRIMARY KEY, rules TEXT NOT NULL);",
};

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
  ready_at_ms      INTEGER NOT NULL,
  job_group        TEXT
);
CREATE INDEX jobs_by_finish ON jobs(finished_at_ms) WHERE finished_at_ms IS NOT NULL;
-- A group's limit as its JSON (troupe/limits.hpp), which is its one schema.
CREATE TABLE group_limits(job_group TEXT PRIMARY KEY, rules TEXT NOT NULL);
)sql";

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

} // namespace

/// Why a database cannot be used, in words that say what to do.
std::string explain_sqlite_failure(const std::string& path, sqlite3* db, int rc) {
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

/// Configures a fresh connection and makes sure it holds troupe's schema.
/// Returns an explanation if the database cannot be used.
std::optional<std::string> prepare_sqlite_database(const std::string& path, sqlite3* db,
                                                   const store_options& options) {
  auto fail = [&](int rc) {
    return std::optional<std::string>{explain_sqlite_failure(path, db, rc)};
  };
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
    problem = explain_sqlite_failure(path, db, rc);
  } else if (tables == 0) {
    rc = exec(db, schema + std::string{"PRAGMA application_id="} + std::to_string(application_id)
                    + "; PRAGMA user_version=" + std::to_string(schema_version) + ";");
    if (rc != SQLITE_OK)
      problem = explain_sqlite_failure(path, db, rc);
  } else if (id != application_id) {
    problem = path
              + " is an SQLite database of another program, not troupe's; "
                "choose another path";
  } else if (version > schema_version || version < 1) {
    problem = path + " has troupe schema version " + std::to_string(version)
              + ", newer than this build knows (" + std::to_string(schema_version)
              + "); run a newer troupe on it";
  } else {
    // An older version is brought up to date in the same transaction.
    for (auto v = version; rc == SQLITE_OK && v < schema_version; ++v)
      rc = exec(db, migrations[v - 1] + std::string{"PRAGMA user_version="} + std::to_string(v + 1)
                      + ";");
    if (rc != SQLITE_OK)
      problem = explain_sqlite_failure(path, db, rc);
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

} // namespace troupe::detail
