// A throw-away PostgreSQL 15 cluster for the tests of one test process:
// a fresh copy of an `initdb`-made data directory (made once per build tree,
// since ctest runs each test case as a process of its own and initdb takes
// most of a cluster's start), the server listening only on a Unix socket in
// its directory (no TCP port to collide on), each test given a database of
// its own, and the server stopped by its PID when the process ends.
// PostgreSQL refuses to run as root: as root, the cluster runs as the
// `postgres` user that Debian's postgresql-15 package creates.
#pragma once

#include "support/process.hpp"

#include <catch2/catch.hpp>
#include <libpq-fe.h>

#include <atomic>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <memory>
#include <pwd.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace troupe::test {

class postgres_cluster {
public:
  /// The cluster of this test process, started on first use.
  static postgres_cluster& shared() {
    static postgres_cluster cluster;
    return cluster;
  }

  /// The URI of a new, empty database.
  std::string fresh_database() {
    static std::atomic<int> next{0};
    auto name = "t" + std::to_string(next++);
    run_sql(uri("postgres"), "CREATE DATABASE " + name);
    return uri(name);
  }

  /// The URI of database `name`, over the cluster's socket.
  std::string uri(const std::string& name) const {
    return "postgresql:///" + name + "?host=" + dir_.string() + "&port=" + port + "&user=postgres";
  }

  /// Runs `sql` on the database at `uri`, as another client would; returns
  /// the first row's first value, or "".
  static std::string run_sql(const std::string& uri, const std::string& sql) {
    std::unique_ptr<PGconn, decltype(&PQfinish)> conn{PQconnectdb(uri.c_str()), &PQfinish};
    REQUIRE(PQstatus(conn.get()) == CONNECTION_OK);
    return run_sql(conn.get(), sql);
  }

  /// Runs `sql` on an open connection; returns the first row's first value.
  static std::string run_sql(PGconn* conn, const std::string& sql) {
    std::unique_ptr<PGresult, decltype(&PQclear)> res{PQexec(conn, sql.c_str()), &PQclear};
    auto status = PQresultStatus(res.get());
    INFO(sql << ": " << PQerrorMessage(conn));
    REQUIRE((status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK));
    return PQntuples(res.get()) > 0 ? PQgetvalue(res.get(), 0, 0) : "";
  }

  /// Waits (for at most 30 s) until `sql` on `uri` answers `expected`.
  static bool sql_until(const std::string& uri, const std::string& sql,
                        const std::string& expected) {
    std::unique_ptr<PGconn, decltype(&PQfinish)> conn{PQconnectdb(uri.c_str()), &PQfinish};
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{30};
    while (std::chrono::steady_clock::now() < deadline)
      if (run_sql(conn.get(), sql) == expected)
        return true;
    return false;
  }

  /// Waits until one server (or store) waits as a standby on the active's
  /// lock.
  static void await_standby(const std::string& uri) {
    REQUIRE(sql_until(
      uri, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted", "1"));
  }

  /// The server's process (the postmaster).
  pid_t pid() const { return pid_; }

  ~postgres_cluster() {
    if (pid_ > 0) {
      // A fast shutdown: sessions are ended, the server exits.
      int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid_, 0));
      kill(pid_, SIGINT);
      if (pidfd >= 0) {
        pollfd pfd{pidfd, POLLIN, 0};
        poll(&pfd, 1, 30000);
        close(pidfd);
      }
    }
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  postgres_cluster(const postgres_cluster&) = delete;
  postgres_cluster& operator=(const postgres_cluster&) = delete;

private:
  static constexpr const char* bin = "/usr/lib/postgresql/15/bin/";
  static constexpr const char* port = "5432";

  postgres_cluster() {
    dir_ = std::filesystem::temp_directory_path() / ("troupe-pg-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    std::vector<std::string> as_user;
    if (geteuid() == 0) {
      auto* pw = getpwnam("postgres");
      REQUIRE(pw != nullptr); // Debian's postgresql-15 package creates the user
      REQUIRE(chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) == 0);
      as_user = {"/usr/bin/setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups"};
    }
    auto log = (dir_ / "cluster.log").string();
    auto run = [&](std::vector<std::string> argv) {
      argv.insert(argv.begin(), as_user.begin(), as_user.end());
      child_process p{argv, {}, log};
      auto code = p.wait_exit(std::chrono::seconds{120});
      INFO(read_log(log));
      REQUIRE(code == 0);
    };
    auto data = (dir_ / "data").string();
    auto made = made_data_dir([&](const std::string& empty_dir) {
      run({std::string{bin} + "initdb", "-D", empty_dir, "-A", "trust", "-U", "postgres", "-E",
           "UTF8", "--no-sync", "--no-instructions"});
    });
    // As root, the copy keeps the owner: `postgres`.
    run({"/bin/cp", "-a", made, data});
    // pg_ctl -w returns once the server accepts connections.
    run({std::string{bin} + "pg_ctl", "-D", data, "-l", (dir_ / "server.log").string(), "-w", "-o",
         "-k " + dir_.string() + " -p " + port
           + " -c listen_addresses= -c fsync=off -c max_connections=60",
         "start"});
    std::ifstream pid_file{data + "/postmaster.pid"};
    pid_file >> pid_;
    REQUIRE(pid_ > 0);
  }

  /// The data directory `initdb` made for this build tree, made by the first
  /// process that needs it while the others wait on a lock.
  template <class Initdb> std::string made_data_dir(Initdb initdb) {
    auto made = std::filesystem::path{TROUPE_TEST_DATA_DIR} / "postgres-data";
    auto done = made.string() + ".done";
    int lock = open((made.string() + ".lock").c_str(), O_CREAT | O_RDWR, 0644);
    REQUIRE(lock >= 0);
    REQUIRE(flock(lock, LOCK_EX) == 0);
    if (!std::filesystem::exists(done)) {
      std::filesystem::remove_all(made);
      std::filesystem::create_directories(made);
      if (geteuid() == 0) {
        auto* pw = getpwnam("postgres");
        REQUIRE(chown(made.c_str(), pw->pw_uid, pw->pw_gid) == 0);
      }
      initdb(made.string());
      std::ofstream{done} << "made by initdb\n";
    }
    close(lock);
    return made.string();
  }

  static std::string read_log(const std::string& path) {
    std::ifstream in{path};
    return {std::istreambuf_iterator<char>{in}, {}};
  }

  std::filesystem::path dir_;
  pid_t pid_ = 0;
};

} // namespace troupe::test
