// One active server per PostgreSQL database (store/postgres_leadership.hpp):
// a standby takes over when the active's session ends or its lease runs out,
// with a new epoch, and an active whose epoch is over commits nothing. A
// "hung active" is played by a plain libpq session that holds the lock and
// an expired lease. Against a real PostgreSQL 15.
#include "support/postgres_cluster.hpp"
#include "support/stored_jobs.hpp"

#include <troupe/errors.hpp>
#include <troupe/store.hpp>

#include <condition_variable>
#include <future>
#include <mutex>

using namespace troupe;
using namespace troupe::test;
using namespace std::chrono_literals;

namespace {

store_options standby(std::chrono::milliseconds lease = 3000ms) {
  store_options options;
  options.standby = true;
  options.lease = lease;
  return options;
}

std::string epoch_of(const std::string& uri) {
  return postgres_cluster::run_sql(uri, "SELECT epoch FROM troupe_leader");
}

} // namespace

TEST_CASE("a standby store takes over the moment the active store's session ends") {
  auto uri = postgres_cluster::shared().fresh_database();
  auto active = open_store(uri);
  REQUIRE(active);
  REQUIRE_FALSE((*active)->apply({job_inserted{new_job("before", 1)}}));
  CHECK(epoch_of(uri) == "1");
  auto taking_over = std::async(std::launch::async, [&] { return open_store(uri, standby()); });
  // The standby waits on the lock.
  postgres_cluster::await_standby(uri);
  active->reset();
  auto took = taking_over.get();
  REQUIRE(took);
  CHECK(epoch_of(uri) == "2");
  CHECK(*(*took)->find("before"));
  CHECK_FALSE((*took)->apply({job_inserted{new_job("after", 2)}}));
}

TEST_CASE("a standby ends the session of an active whose lease ran out, and takes over") {
  auto uri = postgres_cluster::shared().fresh_database();
  REQUIRE(open_store(uri)); // creates the tables, then closes
  // A hung active: it holds the lock, and its lease ran out.
  std::unique_ptr<PGconn, decltype(&PQfinish)> hung{PQconnectdb(uri.c_str()), &PQfinish};
  postgres_cluster::run_sql(hung.get(), "SELECT pg_advisory_lock(1953658225)");
  postgres_cluster::run_sql(hung.get(),
                            "UPDATE troupe_leader SET epoch = epoch + 1, backend_pid = "
                            "pg_backend_pid(), lease_until = clock_timestamp() - interval '1s'");
  auto took = open_store(uri, standby(300ms));
  REQUIRE(took);
  CHECK(epoch_of(uri) == "3");
  // The hung session was ended: it can do nothing more.
  auto* res = PQexec(hung.get(), "SELECT 1");
  CHECK(PQresultStatus(res) != PGRES_TUPLES_OK);
  PQclear(res);
}

TEST_CASE("a store whose epoch is over commits nothing and says it was deposed") {
  auto uri = postgres_cluster::shared().fresh_database();
  auto s = open_store(uri);
  REQUIRE(s);
  postgres_cluster::run_sql(uri, "UPDATE troupe_leader SET epoch = epoch + 1");
  auto err = (*s)->apply({job_inserted{new_job("late", 1)}});
  CHECK(is_troupe_error(err, errc::store_unavailable));
  CHECK_THAT(describe(err), Catch::Contains("deposed"));
  CHECK(postgres_cluster::run_sql(uri, "SELECT count(*) FROM troupe_jobs") == "0");
  // Deposed for good, even if the epoch came back.
  postgres_cluster::run_sql(uri, "UPDATE troupe_leader SET epoch = epoch - 1");
  CHECK(is_troupe_error((*s)->apply({job_inserted{new_job("later", 2)}}), errc::store_unavailable));
  CHECK(postgres_cluster::run_sql(uri, "SELECT count(*) FROM troupe_jobs") == "0");
}

TEST_CASE("an active store renews its lease while it is open") {
  auto uri = postgres_cluster::shared().fresh_database();
  store_options options;
  options.lease = 300ms;
  auto s = open_store(uri, options);
  REQUIRE(s);
  auto first = postgres_cluster::run_sql(uri, "SELECT lease_until FROM troupe_leader");
  CHECK(postgres_cluster::sql_until(
    uri, "SELECT lease_until > '" + first + "'::timestamptz FROM troupe_leader", "t"));
  CHECK_FALSE((*s)->apply({job_inserted{new_job("still-active", 1)}}));
}

TEST_CASE("a standby waits out a database it cannot reach, where a plain open fails at once") {
  // A socket directory where no PostgreSQL listens.
  std::string nowhere = "postgresql:///troupe?host=/nonexistent-troupe-test";
  CHECK(is_troupe_error(open_store(nowhere).error(), errc::store_unavailable));
  auto options = standby(40ms);
  int asked = 0;
  options.keep_waiting = [&](const store_leadership&) { return ++asked < 3; };
  auto stopped = open_store(nowhere, options);
  CHECK(is_troupe_error(stopped.error(), errc::shutting_down));
  CHECK(asked == 3);
}

TEST_CASE("an active store that lost its connection is deposed") {
  auto uri = postgres_cluster::shared().fresh_database();
  store_options options;
  options.lease = 300ms;
  bool deposed = false;
  std::mutex mtx;
  std::condition_variable told;
  options.on_deposed = [&] {
    std::lock_guard<std::mutex> guard{mtx};
    deposed = true;
    told.notify_all();
  };
  auto s = open_store(uri, options);
  REQUIRE(s);
  postgres_cluster::run_sql(uri, "SELECT pg_terminate_backend(backend_pid) FROM troupe_leader");
  // Its next renewal fails: it steps down and refuses every write. (The
  // lock is not held across `apply`: the store calls `on_deposed` under its
  // own lock.)
  {
    std::unique_lock<std::mutex> guard{mtx};
    CHECK(told.wait_for(guard, 30s, [&] { return deposed; }));
  }
  CHECK(is_troupe_error((*s)->apply({job_inserted{new_job("late", 1)}}), errc::store_unavailable));
}
