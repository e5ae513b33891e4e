// Two real `troupe serve` processes on one fresh database of the test's
// PostgreSQL: the first active, the second waiting as its standby.
#pragma once

#include "support/postgres_cluster.hpp"
#include "support/server_process.hpp"

namespace troupe::test {

inline std::vector<std::string> flags_for(const std::string& uri,
                                          const std::string& workers = "2") {
  return {"--http", "127.0.0.1:0", "--store", uri,           "--workers",
          workers,  "--lease-ms",  "1000",    "--log-level", "info"};
}

/// Two servers on a fresh database: `first` active, `second` waiting as
/// its standby (its first line says so; the next one, "listening on", comes
/// when it took over).
struct two_servers {
  std::string uri = postgres_cluster::shared().fresh_database();
  scratch_dir dir;
  server first{flags_for(uri), dir.file("first.log")};
  server second{flags_for(uri), dir.file("second.log")};

  two_servers() { postgres_cluster::await_standby(uri); }
};

} // namespace troupe::test
