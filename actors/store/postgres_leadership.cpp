#include "store/postgres_leadership.hpp"

#include "store/postgres_schema.hpp"
#include "troupe/errors.hpp"
#include "troupe/log.hpp"

#include <string>
#include <thread>

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

namespace {

/// One try: the connection once this server is active; nothing while
/// another server is; an error if it cannot be used (`retry`: because the
/// database could not be reached, which a standby waits out).
struct attempt {
  std::unique_ptr<pg_connection> active;
  caf::error error;
  bool retry = false;
};

attempt try_once(const std::string& uri, const store_options& options,
                 postgres_leadership& leadership, std::unique_ptr<pg_connection>& conn) {
  using namespace std::chrono_literals;
  auto failed = [&](std::string message) {
    return attempt{nullptr, make_error(errc::store_unavailable, std::move(message)), !conn->ok()};
  };
  if (!conn || !conn->ok()) {
    conn = std::make_unique<pg_connection>(uri);
    if (!conn->ok())
      return failed("cannot connect to PostgreSQL: " + conn->error());
    if (auto problem = prepare_postgres_schema(*conn))
      return failed(std::move(*problem));
    if (!prepare_leadership_statements(*conn))
      return failed(conn->describe() + ": cannot prepare: " + conn->error());
  }
  std::string error;
  // A standby waits on the lock, looking at the lease every quarter of it
  // (so it notices an expired one within a quarter); a server that refuses
  // asks only once.
  auto taken = leadership.try_take(*conn, options.standby ? options.lease / 4 : 1ms, error);
  if (!taken)
    return failed(conn->describe() + ": cannot take over: " + error);
  if (*taken)
    return {std::move(conn), {}, false};
  if (!options.standby)
    return failed(conn->describe() + " is in use by another troupe server, the active one");
  return {};
}

} // namespace

caf::expected<std::unique_ptr<pg_connection>> become_active(const std::string& uri,
                                                            const store_options& options,
                                                            postgres_leadership& leadership) {
  std::unique_ptr<pg_connection> conn;
  bool told = false;
  std::string last_problem;
  for (;;) {
    auto tried = try_once(uri, options, leadership, conn);
    if (tried.active)
      return std::move(tried.active);
    if (tried.error && !(options.standby && tried.retry))
      return tried.error;
    if (options.keep_waiting && !options.keep_waiting(leadership.term()))
      return make_error(errc::shutting_down, "stopped while standby on " + conn->describe());
    if (tried.error) {
      // The database is out of reach: the lock wait paced the tries so far.
      auto problem = describe(tried.error);
      if (problem != std::exchange(last_problem, problem))
        log(log_level::warn, problem + "; trying again every quarter lease as the standby");
      std::this_thread::sleep_for(options.lease / 4);
    } else if (!std::exchange(told, true)) {
      log(log_level::info, "standby: another server is active on " + conn->describe()
                             + "; taking over when it is gone or its lease runs out");
    }
  }
}

} // namespace troupe::detail
