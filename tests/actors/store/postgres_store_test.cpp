// What the PostgreSQL store adds to the store contract (store_test.cpp runs
// that against it too): its tables survive a reopen, a batch is all or
// nothing, one server at a time owns the database, and databases it must not
// touch are refused with the reason. Against a real PostgreSQL 15.
#include "support/postgres_cluster.hpp"
#include "support/stored_jobs.hpp"

#include <troupe/errors.hpp>
#include <troupe/store.hpp>

using namespace troupe;
using namespace troupe::test;

TEST_CASE("a postgres store spec is the libpq URI, under either scheme") {
  for (std::string uri : {"postgres://u@db.example/jobs", "postgresql:///jobs?host=/run/pg"}) {
    auto spec = store_spec::parse(uri);
    REQUIRE(spec);
    CHECK(spec->type == store_spec::kind::postgres);
    CHECK(spec->text() == uri);
  }
}

TEST_CASE("a reopened postgres store holds the jobs and limits committed before it closed") {
  auto uri = postgres_cluster::shared().fresh_database();
  group_limit narrow;
  narrow.concurrency = 2;
  {
    auto s = open_store(uri);
    REQUIRE(s);
    CHECK((*s)->durable());
    REQUIRE_FALSE((*s)->apply(
      {job_inserted{new_job("a", 1)}, job_inserted{new_job("b", 2)}, limit_set{"tenant", narrow}}));
  }
  auto reopened = open_store(uri);
  REQUIRE(reopened);
  auto jobs = (*reopened)->load();
  REQUIRE(jobs);
  REQUIRE(jobs->size() == 2);
  CHECK((*jobs)[1].id == "b");
  auto limits = (*reopened)->load_limits();
  REQUIRE(limits);
  REQUIRE(limits->size() == 1);
  CHECK((*limits)[0].limit == narrow);
}

TEST_CASE("a postgres batch with one failing write leaves the whole batch unapplied") {
  auto s = open_store(postgres_cluster::shared().fresh_database());
  REQUIRE(s);
  REQUIRE_FALSE((*s)->apply({job_inserted{new_job("first", 1)}}));
  // The second insert repeats a sequence number: the key refuses it.
  auto err = (*s)->apply({job_inserted{new_job("fits", 2)}, job_inserted{new_job("clash", 1)},
                          job_inserted{new_job("after-clash", 3)}});
  CHECK(is_troupe_error(err, errc::store_unavailable));
  CHECK_THAT(describe(err), Catch::Contains("duplicate key"));
  CHECK_FALSE(*(*s)->find("fits"));
  CHECK(*(*s)->count() == 1);
  CHECK((*s)->counters().failures == 1);
  // The connection carries on.
  REQUIRE_FALSE((*s)->apply({job_inserted{new_job("next", 4)}}));
  CHECK(*(*s)->count() == 2);
}

TEST_CASE("a postgres database owned by an open store is refused to a second one") {
  auto uri = postgres_cluster::shared().fresh_database();
  {
    auto first = open_store(uri);
    REQUIRE(first);
    auto second = open_store(uri);
    REQUIRE_FALSE(second);
    CHECK(is_troupe_error(second.error(), errc::store_unavailable));
    CHECK_THAT(describe(second.error()), Catch::Contains("in use by another troupe server"));
  }
  // Closing the first ends its session, and with it the lock.
  CHECK(open_store(uri));
}

TEST_CASE("a postgres database of a newer troupe schema is refused with the reason") {
  auto uri = postgres_cluster::shared().fresh_database();
  REQUIRE(open_store(uri));
  postgres_cluster::run_sql(uri, "UPDATE troupe_schema SET version = 99");
  auto s = open_store(uri);
  REQUIRE_FALSE(s);
  CHECK_THAT(describe(s.error()), Catch::Contains("schema version 99, newer than this troupe"));
}

TEST_CASE("a postgres database with another program's troupe_jobs table is refused") {
  auto uri = postgres_cluster::shared().fresh_database();
  postgres_cluster::run_sql(uri, "CREATE TABLE troupe_jobs(x INTEGER)");
  auto s = open_store(uri);
  REQUIRE_FALSE(s);
  CHECK_THAT(describe(s.error()), Catch::Contains("not troupe's"));
}

TEST_CASE("an unreachable postgres server is refused with libpq's reason") {
  auto s = open_store("postgresql:///nowhere?host=/nonexistent-dir&connect_timeout=2");
  REQUIRE_FALSE(s);
  CHECK(is_troupe_error(s.error(), errc::store_unavailable));
  CHECK_THAT(describe(s.error()), Catch::Contains("cannot connect to PostgreSQL"));
}
