#include "detail/metrics.hpp"

#include <cstdio>
#include <sstream>

namespace troupe::http::detail {

void request_counter::count(std::string_view route, int status) {
  std::lock_guard<std::mutex> guard{mtx_};
  ++counts_[{route, status}];
}

std::map<std::pair<std::string_view, int>, uint64_t> request_counter::snapshot() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return counts_;
}

namespace {

/// Escapes a label value as the exposition format requires.
std::string label(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"')
      out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

void header(std::ostream& out, const char* name, const char* type, const char* help) {
  out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
}

/// A metric with a single, unlabelled sample.
template <class T>
void single(std::ostream& out, const char* name, const char* type, const char* help,
            const T& value) {
  header(out, name, type, help);
  out << name << ' ' << value << '\n';
}

/// Milliseconds as seconds with three decimals (a plain double would print
/// a timestamp in six digits).
std::string seconds_of(int64_t ms) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.3f", static_cast<double>(ms) / 1000);
  return text;
}

} // namespace

std::string render_metrics(const engine_stats& stats, const request_counter& requests,
                           const connection_counters& connections) {
  std::ostringstream out;
  header(out, "troupe_server_role", "gauge",
         "1 for this server's role: active (runs the jobs), standby or single (own store).");
  for (auto role : {"active", "standby", "single"})
    out << "troupe_server_role{role=\"" << role << "\"} " << (stats.leader.role == role ? 1 : 0)
        << '\n';
  single(out, "troupe_leader_epoch", "gauge",
         "The active server's term on a shared database, one more at every takeover.",
         stats.leader.epoch);
  if (stats.leader.last_failover_ms)
    single(out, "troupe_last_failover_timestamp_seconds", "gauge",
           "When the active server took over from another one.",
           seconds_of(*stats.leader.last_failover_ms));
  header(out, "troupe_jobs_submitted_total", "counter", "Jobs accepted, by type.");
  for (auto& [type, c] : stats.types)
    out << "troupe_jobs_submitted_total{type=\"" << label(type) << "\"} " << c.submitted << '\n';
  header(out, "troupe_jobs_completed_total", "counter",
         "Jobs that reached a terminal state, by type and status.");
  for (auto& [type, c] : stats.types)
    for (auto [status, n] : {std::pair{"success", c.success}, std::pair{"failed", c.failed},
                             std::pair{"cancelled", c.cancelled}})
      out << "troupe_jobs_completed_total{type=\"" << label(type) << "\",status=\"" << status
          << "\"} " << n << '\n';
  header(out, "troupe_jobs_ready", "gauge",
         "Jobs ready to start, by type (a type no connected worker serves waits here).");
  for (auto& [type, c] : stats.types)
    out << "troupe_jobs_ready{type=\"" << label(type) << "\"} " << c.pending << '\n';
  header(out, "troupe_jobs", "gauge", "Jobs the engine holds, by status.");
  const nlohmann::json jobs = stats.jobs;
  for (auto& [status, n] : jobs.items())
    out << "troupe_jobs{status=\"" << status << "\"} " << n << '\n';
  single(out, "troupe_queue_depth", "gauge", "Jobs ready to run, waiting for a worker.",
         stats.queue.depth);
  single(out, "troupe_queue_delayed", "gauge", "Jobs waiting for their delay or a retry.",
         stats.queue.delayed);
  single(out, "troupe_queue_capacity", "gauge", "Pending jobs accepted at most.",
         stats.queue.capacity);
  single(out, "troupe_group_limits", "gauge", "Groups with a limit of their own (and the default).",
         stats.groups.limits);
  single(out, "troupe_groups_at_limit", "gauge",
         "Groups whose ready jobs wait because the group is at its limit.", stats.groups.at_limit);
  single(out, "troupe_throttled_dispatches_total", "counter",
         "Times a group's next job was held back by its limit.", stats.groups.throttled_total);
  single(out, "troupe_workers", "gauge", "Worker actors in the pool.", stats.workers.total);
  single(out, "troupe_workers_busy", "gauge", "Workers running a job.", stats.workers.busy);
  single(out, "troupe_worker_restarts_total", "counter", "Workers restarted after a crash.",
         stats.workers.restarts);
  single(out, "troupe_workers_replaced_total", "counter",
         "Workers replaced because a handler ignored its timeout.", stats.workers.replaced);
  single(out, "troupe_nodes_connected", "gauge", "Worker nodes connected now.",
         stats.nodes.connected);
  single(out, "troupe_node_joins_total", "counter", "Worker nodes that joined (or rejoined).",
         stats.nodes.joins);
  single(out, "troupe_node_losses_total", "counter", "Worker nodes lost (killed, hung or cut off).",
         stats.nodes.losses);
  single(out, "troupe_node_leaves_total", "counter", "Worker nodes that left after a drain.",
         stats.nodes.leaves);
  single(out, "troupe_node_requeued_jobs_total", "counter",
         "Jobs whose attempt ended because their node was lost.", stats.nodes.requeued_by_loss);
  single(out, "troupe_stale_reports_total", "counter",
         "Worker results dropped because they named no current lease.", stats.nodes.stale_reports);
  single(out, "troupe_healthy", "gauge", "1 unless worker restarts exceed their limit.",
         stats.healthy ? 1 : 0);
  single(out, "troupe_store_commits_total", "counter", "Transactions the journal committed.",
         stats.store.commits);
  single(out, "troupe_store_writes_total", "counter", "Job changes committed to the store.",
         stats.store.writes);
  single(out, "troupe_store_failures_total", "counter",
         "Commits the store refused (their submissions got 503).", stats.store.failures);
  single(out, "troupe_store_healthy", "gauge", "1 while the store accepts writes.",
         stats.store.healthy ? 1 : 0);
  single(out, "troupe_jobs_recovered", "gauge", "Jobs read back from the store at start.",
         stats.recovered);
  const auto& durations = stats.duration_seconds;
  header(out, "troupe_job_duration_seconds", "histogram", "Run time of each job's final attempt.");
  uint64_t cumulative = 0;
  for (size_t i = 0; i < durations.counts.size(); ++i) {
    cumulative += durations.counts[i];
    out << "troupe_job_duration_seconds_bucket{le=\""
        << (i < durations.le.size() ? nlohmann::json(durations.le[i]).dump() : "+Inf") << "\"} "
        << cumulative << '\n';
  }
  out << "troupe_job_duration_seconds_sum " << durations.sum << '\n';
  out << "troupe_job_duration_seconds_count " << durations.count << '\n';
  header(out, "troupe_http_requests_total", "counter",
         "HTTP requests served, by route and status code.");
  for (auto& [key, n] : requests.snapshot())
    out << "troupe_http_requests_total{route=\"" << label(key.first) << "\",code=\"" << key.second
        << "\"} " << n << '\n';
  single(out, "troupe_http_connections", "gauge", "HTTP connections open.",
         connections.open.load());
  single(out, "troupe_http_connections_accepted_total", "counter", "HTTP connections accepted.",
         connections.accepted.load());
  single(out, "troupe_http_connections_refused_total", "counter",
         "HTTP connections refused at once beyond --max-connections.", connections.refused.load());
  single(out, "troupe_http_request_timeouts_total", "counter",
         "Requests answered 408: not fully arrived within --request-timeout.",
         connections.timed_out.load());
  single(out, "troupe_http_idle_closed_total", "counter",
         "Keep-alive connections closed for idling.", connections.idle_closed.load());
  single(out, "troupe_http_abandoned_total", "counter",
         "Connections closed because their client left while a long-poll waited.",
         connections.abandoned.load());
  return out.str();
}

} // namespace troupe::http::detail
