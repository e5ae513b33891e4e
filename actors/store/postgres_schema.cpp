#include "store/postgres_schema.hpp"

namespace troupe::detail {

namespace {

/// Version of the schema below, kept in `troupe_schema`.
constexpr int schema_version = 1;

/// Advisory lock key ("trup") that serialises schema creation between
/// servers starting at once (the active's lock is "trup" + 1).
constexpr const char* schema_lock = "1953658224";

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
-- The active server's epoch and lease (see store/postgres_leadership.hpp).
CREATE TABLE troupe_leader(
  only_row    BOOLEAN PRIMARY KEY DEFAULT true CHECK (only_row),
  epoch       BIGINT NOT NULL,
  backend_pid INTEGER,
  lease_until TIMESTAMPTZ,
  since       TIMESTAMPTZ
);
INSERT INTO troupe_leader(epoch) VALUES(0);
-- First in every batch of the active: the leader row is locked until the
-- commit, so an epoch cannot change under a batch that passed.
CREATE FUNCTION troupe_fence(current_epoch BIGINT) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM troupe_leader WHERE epoch = current_epoch FOR SHARE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'deposed: epoch % is over, another server is active', current_epoch;
  END IF;
END $$;
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

} // namespace troupe::detail
