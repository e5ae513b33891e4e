// Small measuring tools shared by the benchmarks.
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include <algorithm>
#include <cstddef>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace troupe::bench {

/// The resident set of a process (this one by default), in bytes.
inline size_t resident_bytes(const std::string& pid = "self") {
  std::ifstream statm{"/proc/" + pid + "/statm"};
  size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

/// The median and the 99th percentile, in milliseconds.
struct percentiles {
  double p50;
  double p99;
};

/// Percentiles of samples in microseconds.
inline percentiles percentiles_of(std::vector<double> us) {
  std::sort(us.begin(), us.end());
  auto at = [&](double q) {
    return us[static_cast<size_t>(q * static_cast<double>(us.size() - 1))] / 1000;
  };
  return {at(0.50), at(0.99)};
}

/// Latencies of one paced run, in microseconds.
struct latencies {
  std::vector<double> acknowledged;
  std::vector<double> finished;
};

/// Submits `total` echo jobs at `rate` jobs/s, watches each, and records
/// submit → acknowledgement and submit → finished (phase 2 of troupe-bench).
latencies measure_latency(caf::actor_system& sys, const caf::actor& supervisor, size_t rate,
                          size_t total);

/// Starts `binary serve` on `store`, submits `n` echo jobs over HTTP after a
/// warm-up, waits until they finished, and returns the growth of the server's
/// resident set per finished job (phase 4 of troupe-bench).
double served_bytes_per_finished_job(const std::string& binary, const std::string& store, size_t n);

} // namespace troupe::bench
