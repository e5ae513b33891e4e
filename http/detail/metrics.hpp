// The gateway's `/metrics` endpoint: Prometheus text exposition of the
// engine's counters plus the gateway's own request counts.
#pragma once

#include "detail/session.hpp"
#include "troupe/stats.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace troupe::http::detail {

/// HTTP requests served, by route pattern and status code; thread-safe.
class request_counter {
public:
  /// `route` names a route for the life of the counter (a literal, or a
  /// string the router keeps).
  void count(std::string_view route, int status);

  std::map<std::pair<std::string_view, int>, uint64_t> snapshot() const;

private:
  mutable std::mutex mtx_;
  std::map<std::pair<std::string_view, int>, uint64_t> counts_;
};

/// Renders the engine's stats JSON, the request counts and the server's
/// connection counts as Prometheus text.
std::string render_metrics(const engine_stats& stats, const request_counter& requests,
                           const connection_counters& connections);

} // namespace troupe::http::detail
