#include "store/postgres_leadership.hpp"

#include <string>

namespace troupe::detail {

namespace {

/// PostgreSQL's SQLSTATE for a lock wait that ran out of `lock_timeout`.
constexpr const char* lock_not_available = "55P03";

/// The term's start as ms since the Unix epoch (0 before the first term).
const std::string since_ms = "coalesce((extract(epoch FROM since) * 1000)::bigint, 0)";

/// Reads a term from the first two columns of `res`.
store_leadership read_term(const PGresult* res) {
  return {std::stoll(PQgetvalue(res, 0, 0)), std::stoll(PQgetvalue(res, 0, 1))};
}

} // namespace

bool prepare_leadership_statements(pg_connection& conn) {
  // The lock's key is "trup" + 1 (the schema's lock is "trup").
  return conn.prepare("troupe_wait_lock", "SELECT pg_advisory_lock(1953658225)")
         && conn.prepare("troupe_take",
                         "UPDATE troupe_leader SET epoch = epoch + 1, backend_pid = "
                         "pg_backend_pid(), lease_until = clock_timestamp() + $1 * interval "
                         "'1 millisecond', since = clock_timestamp() RETURNING epoch, "
                           + since_ms)
         && conn.prepare("troupe_holder", "SELECT epoch, " + since_ms
                                            + ", backend_pid, lease_until < clock_timestamp() "
                                              "FROM troupe_leader")
         && conn.prepare("troupe_end_holder", "SELECT pg_terminate_backend($1)")
         && conn.prepare("troupe_renew",
                         "UPDATE troupe_leader SET lease_until = clock_timestamp() + $2 * "
                         "interval '1 millisecond' WHERE epoch = $1")
         && conn.prepare("troupe_fence", "SELECT troupe_fence($1)");
}

std::optional<bool> postgres_leadership::try_take(pg_connection& conn,
                                                  std::chrono::milliseconds wait,
                                                  std::string& error) {
  // Waiting on the lock wakes the moment a killed active's session ends; a
  // wait of one lease bounds how late an expired lease is noticed.
  if (!conn.exec("SET lock_timeout = " + std::to_string(wait.count()))) {
    error = conn.error();
    return std::nullopt;
  }
  if (!conn.run("troupe_wait_lock")) {
    if (conn.sqlstate() != lock_not_available) {
      error = conn.error();
      return std::nullopt;
    }
    auto holder = conn.run("troupe_holder");
    if (!holder) {
      error = conn.error();
      return std::nullopt;
    }
    term_ = read_term(holder->get());
    bool expired = PQgetvalue(holder->get(), 0, 3)[0] == 't';
    if (expired && !PQgetisnull(holder->get(), 0, 2)) {
      // Ends its session: its lock goes, its open transaction rolls back.
      pg_params pid;
      pid.add(std::string{PQgetvalue(holder->get(), 0, 2)});
      conn.run("troupe_end_holder", pid);
    }
    return false;
  }
  pg_params lease;
  lease.add(static_cast<int64_t>(lease_.count()));
  auto taken = conn.run("troupe_take", lease);
  if (!taken || PQntuples(taken->get()) != 1) {
    error = conn.error();
    return std::nullopt;
  }
  term_ = read_term(taken->get());
  return true;
}

bool postgres_leadership::renew(pg_connection& conn) {
  pg_params p;
  p.add(term_.epoch).add(static_cast<int64_t>(lease_.count()));
  auto renewed = conn.run("troupe_renew", p);
  return renewed && std::string{PQcmdTuples(renewed->get())} == "1";
}

pg_call postgres_leadership::fence() const {
  pg_params p;
  p.add(term_.epoch);
  return {"troupe_fence", std::move(p)};
}

} // namespace troupe::detail
