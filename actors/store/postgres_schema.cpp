#include "store/postgres_schema.hpp"

namespace troupe::detail {

namespace {

/// Version of the schema below, kept in `troupe_schema`.
constexpr int schema_version = 1;

/// Advisory lock keys ("trup" and "trup" + 1): one serialises schema
/// creation between servers starting at once, one marks the owning server.
constexpr const char* schema_lock = "1953658224";
constexpr const char* owner_lock = "1953658225";

constexpr const char* schema = R"sql(
CREATE TABLE troupe_jobs(
  seq              BIGINT PRIMARY KEY,
  id               TEXT NOT NULL UNIQUE,
  type             TEXT NOT NULL,
  payload          TEXT NOT NULL,
  priority         INTEGER NOT NULL,
  max_attempts     INTEGER NOT NULL,
  timeout_ms       BIGINT NOT NULL,
  idempotency_key  TEXT,
  status           TEXT NOT NULL,
  attempts         INTEGER NOT NULL,
  result           TEXT,
  error            TEXT,
  created_at_ms    BIGINT NOT NULL,
  started_at_ms    BIGINT,
  finished_at_ms   BIGINT,
  worker           TEXT,
  cancel_requested INTEGER NOT NULL,
  ready_at_ms      BIGINT NOT NULL,
  job_group        TEXT
);
CREATE INDEX troupe_jobs_by_finish ON troupe_jobs(finished_at_ms)
  WHERE finished_at_ms IS NOT NULL;
-- A group's limit as its JSON (troupe/limits.hpp), which is its one schema.
CREATE TABLE troupe_group_limits(job_group TEXT PRIMARY KEY, rules TEXT NOT NULL);
CREATE TABLE troupe_schema(version INTEGER NOT NULL);
)sql";

} // namespace

std::optional<std::string> prepare_postgres_schema(pg_connection& conn) {
  auto where = conn.describe();
  auto fail = [&](const std::string& what) {
    auto why = conn.error();
    conn.exec("ROLLBACK");
    return std::optional<std::string>{where + ": " + what + ": " + why};
  };
  if (!conn.exec(std::string{"BEGIN; SELECT pg_advisory_xact_lock("} + schema_lock + ")"))
    return fail("cannot begin");
  if (!conn.prepare("troupe_schema_exists", "SELECT to_regclass('troupe_schema') IS NOT NULL, "
                                            "to_regclass('troupe_jobs') IS NOT NULL"))
    return fail("cannot inspect the database");
  auto exists = conn.run("troupe_schema_exists");
  if (!exists)
    return fail("cannot inspect the database");
  bool has_schema = PQgetvalue(exists->get(), 0, 0)[0] == 't';
  bool has_jobs = PQgetvalue(exists->get(), 0, 1)[0] == 't';
  if (!has_schema && has_jobs) {
    conn.exec("ROLLBACK");
    return where
           + " has a table troupe_jobs but no troupe_schema: not troupe's; "
             "choose another database";
  }
  if (!has_schema) {
    if (!conn.exec(std::string{schema} + "INSERT INTO troupe_schema VALUES("
                   + std::to_string(schema_version) + ")"))
      return fail("cannot create troupe's tables");
  } else {
    if (!conn.prepare("troupe_schema_version", "SELECT max(version) FROM troupe_schema"))
      return fail("cannot read the schema version");
    auto version = conn.run("troupe_schema_version");
    if (!version)
      return fail("cannot read the schema version");
    auto found = std::atoi(PQgetvalue(version->get(), 0, 0));
    if (found > schema_version) {
      conn.exec("ROLLBACK");
      return where + " holds troupe schema version " + std::to_string(found)
             + ", newer than this troupe knows (" + std::to_string(schema_version)
             + "): run a newer troupe";
    }
  }
  if (!conn.exec("COMMIT"))
    return fail("cannot commit the schema");
  return std::nullopt;
}

std::optional<std::string> take_postgres_ownership(pg_connection& conn) {
  if (!conn.prepare("troupe_take_ownership",
                    std::string{"SELECT pg_try_advisory_lock("} + owner_lock + ")"))
    return conn.describe() + ": cannot lock: " + conn.error();
  auto taken = conn.run("troupe_take_ownership");
  if (!taken)
    return conn.describe() + ": cannot lock: " + conn.error();
  if (PQgetvalue(taken->get(), 0, 0)[0] != 't')
    return conn.describe()
           + " is in use by another troupe server (its session holds troupe's lock)";
  return std::nullopt;
}

} // namespace troupe::detail
