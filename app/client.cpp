#include "client.hpp"

#include "cli.hpp"
#include "invocation.hpp"
#include "limits_command.hpp"
#include "server_api.hpp"

#include "troupe/job_request.hpp"
#include "troupe/stats.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <ostream>
#include <set>
#include <sstream>
#include <stdexcept>

namespace troupe::app {

namespace {

const std::set<std::string> commands{"submit", "get",   "watch",   "jobs",  "cancel",
                                     "retry",  "stats", "workers", "limits"};

/// Flags with a value, beyond `--server`, `--token` and `--cacert`.
const std::map<std::string, std::set<std::string>> valued{
  {"submit",
   {"payload", "priority", "max-attempts", "timeout-ms", "delay-ms", "idempotency-key", "group"}},
  {"jobs", {"status", "type", "group", "limit"}},
  {"limits", {"concurrency", "rate", "per-ms", "burst", "weight"}},
};

bool terminal(const json& job) {
  auto status = job.value("status", "");
  return status == "success" || status == "failed" || status == "cancelled";
}

int exit_for(const json& job) {
  return job.value("status", "") == "success" || !terminal(job) ? exit_ok : exit_job_failed;
}

std::string text_of(const json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

/// A job in a few lines.
void summarize(std::ostream& out, const json& job) {
  out << job["id"].get<std::string>() << "  " << job["type"].get<std::string>() << "  "
      << job["status"].get<std::string>() << "  attempts " << job["attempts"] << "/"
      << job["max_attempts"];
  if (job["worker"].is_string())
    out << "  on " << job["worker"].get<std::string>();
  if (job.contains("group") && job["group"].is_string())
    out << "  group " << job["group"].get<std::string>();
  out << '\n';
  if (!job["result"].is_null())
    out << "result: " << job["result"].dump() << '\n';
  if (!job["error"].is_null())
    out << "error: " << text_of(job["error"]) << '\n';
}

/// Prints `job` as asked and returns its exit code.
int show(std::ostream& out, const invocation& inv, const json& job) {
  if (inv.has("json"))
    out << job.dump() << '\n';
  else
    summarize(out, job);
  return exit_for(job);
}

json wait_until_done(server_api& server, const std::string& id) {
  for (;;) {
    auto job = server.get(api_path({"jobs", id}, {{"wait_ms", "30000"}}));
    if (terminal(job))
      return job;
  }
}

/// The payload of `--payload JSON|@FILE`, as the text it is: sent as it is,
/// so that nothing in it (a large number, say) changes on the way.
std::string read_payload(const std::string& text) {
  std::string source = text;
  if (!text.empty() && text[0] == '@') {
    std::ifstream in{text.substr(1)};
    if (!in)
      throw command_error{exit_usage, "cannot read " + text.substr(1)};
    std::stringstream all;
    all << in.rdbuf();
    source = all.str();
  }
  if (auto problem = json_text_problem(source))
    throw command_error{exit_usage, "--payload is not valid JSON: " + *problem};
  return source;
}

int submit(server_api& server, const invocation& inv, std::ostream& out) {
  json body{{"type", inv.only_argument("job type")}};
  // The same rules as the server's, so that a bad flag is a usage error.
  for (auto& rule : int_option_rules) {
    std::string flag = rule.name;
    std::replace(flag.begin(), flag.end(), '_', '-');
    if (!inv.has(flag))
      continue;
    auto value = inv.whole_number(flag);
    if (value < rule.low || value > rule.high)
      throw command_error{exit_usage, "--" + flag + " " + describe_rule(rule)};
    body[rule.name] = value;
  }
  if (inv.has("idempotency-key"))
    body["idempotency_key"] = inv.get("idempotency-key");
  if (inv.has("group")) {
    if (auto problem = group_name_problem(inv.get("group")))
      throw command_error{exit_usage, "--group " + *problem};
    body["group"] = inv.get("group");
  }
  auto text = body.dump();
  if (inv.has("payload")) {
    text.pop_back();
    text += R"(,"payload":)" + read_payload(inv.get("payload")) + "}";
  }
  auto job = server.post("/v1/jobs", text);
  if (inv.has("wait"))
    return show(out, inv, wait_until_done(server, job["id"]));
  if (inv.has("json"))
    out << job.dump() << '\n';
  else
    out << job["id"].get<std::string>() << '\n';
  return exit_ok;
}

/// One line of progress: `[#####.....]  50%  message` on a terminal,
/// `running 50% message` otherwise.
std::string progress_line(const json& job, bool tty) {
  auto status = job["status"].get<std::string>();
  auto fraction = job["progress"].is_number() ? job["progress"].get<double>() : 0.0;
  auto message = job["progress_message"].is_string() ? job["progress_message"].get<std::string>()
                                                     : std::string{};
  std::ostringstream line;
  auto percent = static_cast<int>(fraction * 100 + 0.5);
  if (tty) {
    constexpr int width = 30;
    auto filled = static_cast<int>(fraction * width + 0.5);
    line << status << " [" << std::string(static_cast<size_t>(filled), '#')
         << std::string(static_cast<size_t>(width - filled), '.') << "] " << std::setw(3) << percent
         << "%";
  } else {
    line << status << ' ' << percent << '%';
  }
  if (!message.empty())
    line << ' ' << message;
  return line.str();
}

int watch(server_api& server, const invocation& inv, std::ostream& out, bool tty) {
  auto id = inv.only_argument("job id");
  std::string last;
  // Short long-polls: the job's progress changes without it ending.
  for (;;) {
    auto job = server.get(api_path({"jobs", id}, {{"wait_ms", "500"}}));
    if (terminal(job)) {
      if (tty && !last.empty())
        out << "\r\033[K";
      return show(out, inv, job);
    }
    if (inv.has("json")) {
      out << job.dump() << '\n' << std::flush;
      continue;
    }
    auto line = progress_line(job, tty);
    if (line == last)
      continue;
    if (tty)
      out << "\r\033[K" << line << std::flush;
    else
      out << line << '\n' << std::flush;
    last = line;
  }
}

int list_jobs(server_api& server, const invocation& inv, std::ostream& out) {
  query params{{"limit", std::to_string(inv.has("limit") ? inv.whole_number("limit") : 20)}};
  for (const char* filter : {"status", "type", "group"})
    if (inv.has(filter))
      params.emplace_back(filter, inv.get(filter));
  auto answer = server.get(api_path({"jobs"}, params));
  if (inv.has("json")) {
    out << answer.dump() << '\n';
    return exit_ok;
  }
  for (auto& job : answer["jobs"])
    out << job["id"].get<std::string>() << "  " << std::left << std::setw(10)
        << job["status"].get<std::string>() << " " << job["type"].get<std::string>() << '\n';
  return exit_ok;
}

int stats(server_api& server, const invocation& inv, std::ostream& out) {
  auto s = server.get("/v1/stats");
  if (inv.has("json")) {
    out << s.dump() << '\n';
    return exit_ok;
  }
  auto st = s.get<engine_stats>();
  out << "jobs: " << st.jobs.pending << " pending, " << st.jobs.running << " running, "
      << st.jobs.success << " succeeded, " << st.jobs.failed << " failed, " << st.jobs.cancelled
      << " cancelled\n"
      << "queue: " << st.queue.depth << " ready, " << st.queue.delayed << " delayed, capacity "
      << st.queue.capacity << '\n'
      << "workers: " << st.workers.busy << " busy of " << st.workers.total << ", "
      << st.workers.restarts << " restarts\n"
      << "nodes: " << st.nodes.connected << " connected, " << st.nodes.losses << " lost\n"
      << "store: " << st.store.name << (st.store.healthy ? ", healthy" : ", failing") << '\n'
      << "healthy: " << (st.healthy ? "yes" : "no") << '\n';
  const auto& recent = st.recent;
  uint64_t finished = 0;
  uint64_t timed = 0;
  double run_seconds = 0;
  for (size_t i = 0; i < recent.finished.size(); ++i) {
    finished += recent.finished[i];
    timed += recent.timed[i];
    run_seconds += recent.run_seconds[i];
  }
  auto minutes = recent.finished.size() * static_cast<size_t>(recent.bucket_seconds) / 60;
  out << "last " << minutes << " minutes: " << finished << " finished";
  if (timed > 0)
    out << ", mean run time " << std::llround(run_seconds / static_cast<double>(timed) * 1000)
        << " ms";
  out << '\n';
  return exit_ok;
}

int workers(server_api& server, const invocation& inv, std::ostream& out) {
  auto w = server.get("/v1/workers");
  if (inv.has("json")) {
    out << w.dump() << '\n';
    return exit_ok;
  }
  auto& local = w["local"];
  out << "local: " << local["busy"] << " busy of " << local["workers"] << ", " << local["jobs_held"]
      << " jobs held\n";
  for (auto& node : w["nodes"])
    out << node["name"].get<std::string>() << " (" << node["address"].get<std::string>()
        << "): " << node["state"].get<std::string>() << ", " << node["busy"] << " busy of "
        << node["workers"] << ", " << node["jobs_held"] << " jobs held\n";
  return exit_ok;
}

int run(const invocation& inv, std::ostream& out, bool tty) {
  server_api server{inv.get("server", "http://127.0.0.1:8080"), inv.get("token"),
                    inv.get("cacert")};
  const auto& c = inv.command;
  if (c == "submit")
    return submit(server, inv, out);
  if (c == "get")
    return show(out, inv, server.get(api_path({"jobs", inv.only_argument("job id")})));
  if (c == "watch")
    return watch(server, inv, out, tty);
  if (c == "jobs")
    return list_jobs(server, inv, out);
  if (c == "cancel")
    return show(out, inv, server.del(api_path({"jobs", inv.only_argument("job id")})));
  if (c == "retry")
    return show(out, inv, server.post(api_path({"jobs", inv.only_argument("job id"), "retry"})));
  if (c == "stats")
    return stats(server, inv, out);
  if (c == "limits")
    return limits_command(server, inv, out);
  return workers(server, inv, out);
}

} // namespace

bool is_client_command(const std::string& command) {
  return commands.count(command) != 0;
}

int run_client(const std::string& command, const std::vector<std::string>& args,
               const std::map<std::string, std::string>& env, std::ostream& out, std::ostream& err,
               bool tty) {
  try {
    auto inv =
      invocation::parse(command, args, env,
                        valued.count(command) != 0 ? valued.at(command) : std::set<std::string>{});
    if (inv.has("help")) {
      out << client_help();
      return exit_ok;
    }
    return run(inv, out, tty);
  } catch (const command_error& e) {
    err << "troupe: " << e.what() << '\n';
    if (e.code == exit_usage)
      err << "run 'troupe " << command << " --help' for the options\n";
    return e.code;
  }
}

std::string client_help() {
  return "usage: troupe COMMAND [options]   (a client of a running troupe serve)\n\n"
         "  submit TYPE [--payload JSON|@FILE] [--priority N] [--max-attempts N]\n"
         "         [--timeout-ms N] [--delay-ms N] [--idempotency-key K] [--group G]\n"
         "         [--wait]\n"
         "                 submit a job; prints its id, or with --wait its outcome\n"
         "  get ID          a job's state, result or error\n"
         "  watch ID        follow a job until it ends: a progress bar on a terminal,\n"
         "                  a line per change otherwise\n"
         "  jobs [--status S] [--type T] [--group G] [--limit N]\n"
         "                  jobs, newest first (default 20)\n"
         "  cancel ID       cancel a job\n"
         "  retry ID        run a failed or cancelled job again (attempts start over)\n"
         "  stats           the engine's counters and its last five minutes\n"
         "  workers         local workers and worker nodes\n"
         "  limits          every group's limit and its use now\n"
         "  limits show G   one group's limit ('*': the default)\n"
         "  limits set G [--concurrency K] [--rate N] [--per-ms P] [--burst B]\n"
         "               [--weight W]\n"
         "                  set a group's limit (it replaces the group's own limit)\n"
         "  limits remove G remove a group's own limit (the default applies again)\n\n"
         "Every command takes:\n"
         "  --server URL    the server (default http://127.0.0.1:8080); a comma list of an\n"
         "                  active/standby pair's URLs asks the one that is active "
         "[TROUPE_SERVER]\n"
         "  --token SECRET  its bearer token [TROUPE_TOKEN]\n"
         "  --cacert FILE   PEM certificates to trust for an https:// server\n"
         "                  (default: the system's) [TROUPE_CACERT]\n"
         "  --json          print the API's JSON object instead of a summary\n\n"
         "Exit codes: 0 done (for one job: it succeeded), 1 the job failed or was\n"
         "cancelled, 2 usage error, 3 server unreachable or an HTTP error.\n";
}

} // namespace troupe::app
