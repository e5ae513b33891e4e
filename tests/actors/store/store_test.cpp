// The three stores behind one interface: what every store must do (the
// PostgreSQL store against a real server), then what the SQLite file adds (surviving a reopen,
// refusing files it cannot use).
#include "support/postgres_cluster.hpp"
#include "support/server_process.hpp"
#include "support/stored_jobs.hpp"

#include <troupe/errors.hpp>
#include <troupe/store.hpp>

#include <catch2/catch.hpp>
#include <sqlite3.h>

#include <fstream>
#include <functional>

using namespace troupe;
using namespace troupe::test;

namespace {

store_write insert(const stored_job& job) {
  return job_inserted{job};
}

store_write finished(uint64_t seq, job_status status, int64_t at) {
  job_finished w;
  w.seq = seq;
  w.status = status;
  w.finished_at_ms = at;
  return w;
}

stored_job require_job(store& s, const std::string& id) {
  auto found = s.find(id);
  REQUIRE(found);
  REQUIRE(*found);
  return **found;
}

/// Runs `body` once with each kind of store, each in a fresh place.
template <class Body> void for_each_store(Body body) {
  for (std::string kind : {"memory", "sqlite", "postgres"}) {
    DYNAMIC_SECTION(kind << " store") {
      scratch_dir dir;
      auto opened = open_store(kind == "memory"   ? "memory"
                               : kind == "sqlite" ? dir.sqlite_store()
                                                  : postgres_cluster::shared().fresh_database());
      REQUIRE(opened);
      body(**opened);
    }
  }
}

} // namespace

TEST_CASE("a store returns every field of its jobs, in submission order") {
  for_each_store([](store& s) {
    REQUIRE_FALSE(s.apply({insert(new_job("b", 2)), insert(new_job("a", 1))}));
    auto jobs = s.load();
    REQUIRE(jobs);
    REQUIRE(jobs->size() == 2);
    CHECK((*jobs)[0].id == "a");
    CHECK((*jobs)[1].id == "b");
    auto& a = (*jobs)[0];
    CHECK(a.type == "echo");
    CHECK(a.payload == R"({"n":1})");
    CHECK(a.options.priority == 7);
    CHECK(a.options.max_attempts == 4);
    CHECK(a.options.timeout_ms == 1234);
    CHECK(a.options.idempotency_key == "key-a");
    CHECK(a.options.group == "group-1");
    CHECK(a.status == job_status::pending);
    CHECK(a.created_at_ms == 1001);
    CHECK(a.ready_at_ms == 2001);
    CHECK_FALSE(a.error);
    CHECK_FALSE(a.finished_at_ms);
    CHECK(*s.count() == 2);
  });
}

TEST_CASE("start, retry, finish and cancel writes change only the fields they name") {
  for_each_store([](store& s) {
    REQUIRE_FALSE(s.apply({insert(new_job("a", 1))}));
    REQUIRE_FALSE(s.apply({attempt_started{1, 1, 5000, "worker-2"}}));
    auto started = require_job(s, "a");
    CHECK(started.status == job_status::running);
    CHECK(started.attempts == 1);
    CHECK(started.started_at_ms == 5000);
    CHECK(started.worker == "worker-2");
    CHECK(started.payload == R"({"n":1})");

    REQUIRE_FALSE(s.apply({retry_scheduled{1, "boom", 9000}, cancel_arrived{1}}));
    auto retrying = require_job(s, "a");
    CHECK(retrying.status == job_status::pending);
    CHECK(retrying.error == "boom");
    CHECK(retrying.ready_at_ms == 9000);
    CHECK(retrying.attempts == 1);
    CHECK(retrying.cancel_requested);

    // A finish names its attempt too: a start and its finish in one batch
    // are one write.
    REQUIRE_FALSE(s.apply(
      {job_finished{1, job_status::success, R"({"ok":true})", "boom", 9500, 2, 9400, "worker-1"}}));
    auto done = require_job(s, "a");
    CHECK(done.status == job_status::success);
    CHECK(done.result == R"({"ok":true})");
    CHECK(done.finished_at_ms == 9500);
    CHECK(done.error == "boom");
    CHECK(done.attempts == 2);
    CHECK(done.started_at_ms == 9400);
    CHECK(done.worker == "worker-1");
    CHECK(done.cancel_requested);
  });
}

TEST_CASE("a purge deletes finished jobs up to its cutoff and keeps the others") {
  for_each_store([](store& s) {
    REQUIRE_FALSE(
      s.apply({insert(new_job("old", 1)), insert(new_job("edge", 2)), insert(new_job("young", 3)),
               insert(new_job("pending", 4)), finished(1, job_status::failed, 100),
               finished(2, job_status::failed, 200), finished(3, job_status::failed, 300)}));
    REQUIRE_FALSE(s.apply({results_purged{200}}));
    CHECK_FALSE(*s.find("old"));
    CHECK_FALSE(*s.find("edge"));
    CHECK(*s.find("young"));
    CHECK(*s.find("pending"));
    CHECK(*s.count() == 2);
  });
}

TEST_CASE("a requeued job is pending again, kept by purges until it finishes anew") {
  for_each_store([](store& s) {
    auto failed = [](int64_t at) {
      return job_finished{1, job_status::failed, {}, "boom", at, 1, 50, "worker-1"};
    };
    REQUIRE_FALSE(
      s.apply({insert(new_job("again", 1)), attempt_started{1, 1, 50, "worker-1"}, failed(100)}));
    stored_job requeued;
    requeued.seq = 1;
    requeued.status = job_status::pending;
    requeued.ready_at_ms = 150;
    REQUIRE_FALSE(s.apply({job_requeued{requeued}}));
    auto job = require_job(s, "again");
    CHECK(job.status == job_status::pending);
    CHECK(job.attempts == 0);
    CHECK_FALSE(job.error);
    CHECK_FALSE(job.started_at_ms);
    CHECK_FALSE(job.finished_at_ms);
    CHECK_FALSE(job.worker);
    CHECK(job.ready_at_ms == 150);
    CHECK(job.payload == R"({"n":1})");
    REQUIRE_FALSE(s.apply({results_purged{200}}));
    CHECK(*s.find("again"));
    // Finished again later: a purge up to the first finish keeps it.
    REQUIRE_FALSE(s.apply({failed(300), results_purged{200}}));
    CHECK(*s.find("again"));
    REQUIRE_FALSE(s.apply({results_purged{300}}));
    CHECK_FALSE(*s.find("again"));
  });
}

TEST_CASE("finished jobs are listed newest first, from below a cursor") {
  for_each_store([](store& s) {
    std::vector<store_write> writes;
    for (uint64_t seq = 1; seq <= 5; ++seq) {
      auto id = "j" + std::to_string(seq);
      writes.push_back(insert(new_job(id, seq)));
      writes.push_back(finished(seq, job_status::success, 100));
    }
    REQUIRE_FALSE(s.apply(writes));
    auto ids = [&](int64_t limit, uint64_t before, std::string group = {}) {
      auto jobs = s.list_finished(job_filter{{}, {}, std::move(group), limit, {}}, before);
      REQUIRE(jobs);
      std::vector<std::string> out;
      for (auto& job : *jobs)
        out.push_back(job.id);
      return out;
    };
    CHECK(ids(2, UINT64_MAX) == std::vector<std::string>{"j5", "j4"});
    CHECK(ids(2, 4) == std::vector<std::string>{"j3", "j2"});
    CHECK(ids(2, 2) == std::vector<std::string>{"j1"});
    CHECK(ids(2, 1).empty());
    CHECK(ids(5, UINT64_MAX, "group-0") == std::vector<std::string>{"j4", "j2"});
    CHECK(ids(5, UINT64_MAX, "nobody").empty());
  });
}

TEST_CASE("a store counts its commits and the writes in them") {
  for_each_store([](store& s) {
    REQUIRE_FALSE(s.apply({insert(new_job("a", 1)), insert(new_job("b", 2))}));
    REQUIRE_FALSE(s.apply({insert(new_job("c", 3))}));
    CHECK(s.counters().commits == 2);
    CHECK(s.counters().writes == 3);
    CHECK(s.counters().failures == 0);
  });
}

TEST_CASE("a reopened sqlite store holds what was committed before it closed") {
  scratch_dir dir;
  {
    auto s = open_store(dir.sqlite_store());
    REQUIRE(s);
    REQUIRE_FALSE((*s)->apply({insert(new_job("a", 1)), insert(new_job("b", 2))}));
    CHECK((*s)->durable());
  }
  auto reopened = open_store(dir.sqlite_store());
  REQUIRE(reopened);
  auto jobs = (*reopened)->load();
  REQUIRE(jobs);
  CHECK(jobs->size() == 2);
  CHECK(require_job(**reopened, "b").options.idempotency_key == "key-b");
}

TEST_CASE("a store keeps each group's latest limit, and forgets a removed one") {
  for_each_store([](store& s) {
    group_limit fast;
    fast.rate = 50;
    fast.per_ms = 1000;
    fast.burst = 5;
    group_limit narrow;
    narrow.concurrency = 2;
    narrow.weight = 3;
    REQUIRE_FALSE(s.apply({limit_set{"b", fast}, limit_set{"a", fast}, limit_set{"*", narrow}}));
    REQUIRE_FALSE(s.apply({limit_set{"a", narrow}, limit_removed{"b"}}));
    auto limits = s.load_limits();
    REQUIRE(limits);
    REQUIRE(limits->size() == 2);
    CHECK((*limits)[0].group == "*");
    CHECK((*limits)[0].limit == narrow);
    CHECK((*limits)[1].group == "a");
    CHECK((*limits)[1].limit == narrow);
  });
}

TEST_CASE("a reopened sqlite store holds the limits committed before it closed") {
  scratch_dir dir;
  group_limit fast;
  fast.rate = 50;
  fast.burst = 5;
  {
    auto s = open_store(dir.sqlite_store());
    REQUIRE(s);
    REQUIRE_FALSE((*s)->apply({limit_set{"tenant-a", fast}}));
  }
  auto reopened = open_store(dir.sqlite_store());
  REQUIRE(reopened);
  auto limits = (*reopened)->load_limits();
  REQUIRE(limits);
  REQUIRE(limits->size() == 1);
  CHECK((*limits)[0].group == "tenant-a");
  CHECK((*limits)[0].limit == fast);
}

TEST_CASE("a write that does not fit leaves the whole batch unapplied") {
  scratch_dir dir;
  store_options options;
  options.max_bytes = 64 * 1024;
  auto s = open_store(dir.sqlite_store(), options);
  REQUIRE(s);
  REQUIRE_FALSE((*s)->apply({insert(new_job("small", 1))}));
  auto big = new_job("big", 2);
  big.payload = "\"" + std::string(256 * 1024, 'x') + "\"";
  auto err = (*s)->apply({insert(new_job("fits", 3)), insert(big)});
  CHECK(is_troupe_error(err, errc::store_unavailable));
  CHECK_THAT(describe(err), Catch::Contains("full"));
  CHECK_FALSE(*(*s)->find("fits"));
  CHECK(*(*s)->count() == 1);
  CHECK((*s)->counters().failures == 1);
  REQUIRE_FALSE((*s)->apply({insert(new_job("after", 4))}));
  CHECK(*(*s)->count() == 2);
}

TEST_CASE("a sqlite store in use by another store is refused") {
  scratch_dir dir;
  auto first = open_store(dir.sqlite_store());
  REQUIRE(first);
  auto second = open_store(dir.sqlite_store());
  REQUIRE_FALSE(second);
  CHECK(is_troupe_error(second.error(), errc::store_unavailable));
  CHECK_THAT(describe(second.error()), Catch::Contains("in use by another process"));
}

TEST_CASE("a file that is not a database is refused and left as it was") {
  scratch_dir dir;
  auto path = dir.file("troupe.db");
  std::ofstream{path} << std::string(8192, 'j');
  auto s = open_store("sqlite:" + path);
  REQUIRE_FALSE(s);
  CHECK(is_troupe_error(s.error(), errc::store_unavailable));
  CHECK_THAT(describe(s.error()), Catch::Contains("not a usable troupe database"));
  CHECK(read_file(path) == std::string(8192, 'j'));
}

TEST_CASE("a database of schema version 1 is brought up to date, its jobs kept") {
  scratch_dir dir;
  auto path = dir.file("v1.db");
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  // The first schema troupe wrote: no job_group column.
  CHECK(sqlite3_exec(db,
                     "CREATE TABLE jobs(seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, "
                     "type TEXT NOT NULL, payload TEXT NOT NULL, priority INTEGER NOT NULL, "
                     "max_attempts INTEGER NOT NULL, timeout_ms INTEGER NOT NULL, "
                     "idempotency_key TEXT, status TEXT NOT NULL, attempts INTEGER NOT NULL, "
                     "result TEXT, error TEXT, created_at_ms INTEGER NOT NULL, "
                     "started_at_ms INTEGER, finished_at_ms INTEGER, worker TEXT, "
                     "cancel_requested INTEGER NOT NULL, ready_at_ms INTEGER NOT NULL);"
                     "INSERT INTO jobs VALUES(1, 'old', 'echo', '1', 5, 3, 1000, NULL, "
                     "'pending', 0, NULL, NULL, 10, NULL, NULL, NULL, 0, 10);"
                     "PRAGMA application_id=1953658224; PRAGMA user_version=1;",
                     nullptr, nullptr, nullptr)
        == SQLITE_OK);
  sqlite3_close(db);
  auto s = open_store("sqlite:" + path);
  REQUIRE(s);
  auto old = require_job(**s, "old");
  CHECK(old.payload == "1");
  CHECK(old.options.group.empty());
  REQUIRE_FALSE((*s)->apply({insert(new_job("new", 2))}));
  CHECK(require_job(**s, "new").options.group == "group-0");
  // Schema 3's table of limits was added too.
  group_limit paused;
  paused.concurrency = 0;
  REQUIRE_FALSE((*s)->apply({limit_set{"tenant", paused}}));
  CHECK((*s)->load_limits()->size() == 1);
}

TEST_CASE("a database of a newer schema is refused with the reason") {
  scratch_dir dir;
  auto path = dir.file("future.db");
  {
    auto s = open_store("sqlite:" + path);
    REQUIRE(s);
  }
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  CHECK(sqlite3_exec(db, "PRAGMA user_version=99", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
  auto s = open_store("sqlite:" + path);
  REQUIRE_FALSE(s);
  CHECK_THAT(describe(s.error()), Catch::Contains("newer than this build knows"));
}

TEST_CASE("an SQLite database of another program is refused") {
  scratch_dir dir;
  auto path = dir.file("other.db");
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  CHECK(sqlite3_exec(db, "CREATE TABLE t(x)", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
  auto s = open_store("sqlite:" + path);
  REQUIRE_FALSE(s);
  CHECK_THAT(describe(s.error()), Catch::Contains("another program"));
}

TEST_CASE("a store path below a regular file is refused with the reason") {
  scratch_dir dir;
  std::ofstream{dir.file("plain")} << "x";
  auto s = open_store("sqlite:" + dir.file("plain") + "/sub/troupe.db");
  REQUIRE_FALSE(s);
  CHECK(is_troupe_error(s.error(), errc::store_unavailable));
  CHECK_THAT(describe(s.error()), Catch::Contains("cannot create directory"));
}

TEST_CASE("an unknown store spec is an invalid argument") {
  auto s = open_store("mysql://localhost/jobs");
  REQUIRE_FALSE(s);
  CHECK(is_troupe_error(s.error(), errc::invalid_argument));
}
