#include "cli.hpp"

#include "command_line.hpp"
#include "troupe/errors.hpp"

#include <algorithm>
#include <cctype>
#include <sstream>
#include <tuple>

extern char** environ;

namespace troupe::app {

namespace {

/// One `--name VALUE` of a command whose options are `Options`.
template <class Options> struct flag {
  const char* name;
  const char* value_name;
  const char* help;
  void (*apply)(Options&, const std::string& value);
};

uint64_t to_number(const std::string& name, const std::string& value, uint64_t low, uint64_t high) {
  auto bad = usage_error{"--" + name + " must be a whole number from " + std::to_string(low)
                         + " to " + std::to_string(high) + ", not '" + value + "'"};
  if (value.empty() || !std::all_of(value.begin(), value.end(), ::isdigit))
    throw bad;
  try {
    auto n = std::stoull(value);
    if (n < low || n > high)
      throw bad;
    return n;
  } catch (const std::out_of_range&) {
    throw bad;
  }
}

/// Splits `HOST:PORT` given to `--name`.
std::pair<std::string, uint16_t> host_and_port(const std::string& name, const std::string& value) {
  auto colon = value.rfind(':');
  if (colon == std::string::npos || colon == 0)
    throw usage_error{"--" + name + " must be HOST:PORT, not '" + value + "'"};
  return {value.substr(0, colon),
          static_cast<uint16_t>(to_number(name, value.substr(colon + 1), 0, 65535))};
}

void set_http(serve_options& opt, const std::string& value) {
  std::tie(opt.http.host, opt.http.port) = host_and_port("http", value);
}

// -- the node flags of both commands --

template <class Options> void set_node_heartbeat(Options& o, const std::string& v) {
  o.node.heartbeat = std::chrono::milliseconds{to_number("node-heartbeat", v, 10, 60000)};
}

template <class Options> void set_node_timeout(Options& o, const std::string& v) {
  o.node.timeout = std::chrono::milliseconds{to_number("node-timeout", v, 30, 600000)};
}

template <class Options> void set_node_tls_cert(Options& o, const std::string& v) {
  o.node.tls_cert = v;
}

template <class Options> void set_node_tls_key(Options& o, const std::string& v) {
  o.node.tls_key = v;
}

template <class Options> void set_node_tls_ca(Options& o, const std::string& v) {
  o.node.tls_ca = v;
}

template <class Options> void set_insecure_nodes(Options& o, const std::string& v) {
  if (v != "true" && v != "false")
    throw usage_error{"--insecure-nodes must be true or false, not '" + v + "'"};
  o.node.insecure = v == "true";
}

template <class Options> std::vector<flag<Options>> node_flags() {
  return {
    {"node-heartbeat", "MS", "heartbeat between server and nodes (default 500)",
     set_node_heartbeat<Options>},
    {"node-timeout", "MS",
     "silence after which a node or the server counts as lost, at least 3 heartbeats "
     "(default 2000)",
     set_node_timeout<Options>},
    {"node-tls-cert", "FILE", "this side's PEM certificate for node TLS (with key and CA)",
     set_node_tls_cert<Options>},
    {"node-tls-key", "FILE", "the PEM private key of --node-tls-cert", set_node_tls_key<Options>},
    {"node-tls-ca", "FILE", "the PEM CA that signs the other side's certificates",
     set_node_tls_ca<Options>},
    {"insecure-nodes", "true|false",
     "allow plain TCP between server and nodes on a non-loopback address (default false)",
     set_insecure_nodes<Options>},
  };
}

void set_store(serve_options& opt, const std::string& value) {
  auto spec = store_spec::parse(value);
  if (!spec)
    throw usage_error{"--store " + message_of(spec.error())};
  opt.store = std::move(*spec);
}

void set_sync(serve_options& opt, const std::string& value) {
  if (value == "normal")
    opt.store_options.sync = sync_mode::normal;
  else if (value == "full")
    opt.store_options.sync = sync_mode::full;
  else
    throw usage_error{"--sync must be normal or full, not '" + value + "'"};
}

log_level parse_log_level(const std::string& value) {
  static const std::map<std::string, log_level> levels{{"error", log_level::error},
                                                       {"warn", log_level::warn},
                                                       {"info", log_level::info},
                                                       {"debug", log_level::debug}};
  auto i = levels.find(value);
  if (i == levels.end())
    throw usage_error{"--log-level must be error, warn, info or debug, not '" + value + "'"};
  return i->second;
}

const std::vector<flag<serve_options>> serve_flags_without_nodes{
  {"http", "HOST:PORT", "listen address; port 0 picks a free one (default 127.0.0.1:8080)",
   set_http},
  {"workers", "N",
   "local worker actors (default: the number of hardware threads); 0, only with --nodes, "
   "leaves all jobs to worker nodes",
   [](serve_options& o, const std::string& v) {
     o.engine.workers = to_number("workers", v, 0, 1024);
   }},
  {"prefetch", "N",
   "jobs a worker may hold beyond the one it runs; higher-priority jobs still go first "
   "(default 8)",
   [](serve_options& o, const std::string& v) {
     o.engine.prefetch = to_number("prefetch", v, 0, 1024);
   }},
  {"queue-capacity", "N", "pending jobs accepted before 429 queue_full (default 100000)",
   [](serve_options& o, const std::string& v) {
     o.engine.queue_capacity = to_number("queue-capacity", v, 1, 100000000);
   }},
  {"store", "SPEC",
   "job store: sqlite:PATH, durable; postgres://USER@HOST/DB (a libpq URI), durable and "
   "shared; or memory, lost on exit (default sqlite:./troupe-data/troupe.db)",
   set_store},
  {"lease-ms", "MS",
   "PostgreSQL: how long the active server's lease lasts unrenewed; a standby takes over "
   "once it ran out, or at once when the active's session ends (default 3000)",
   [](serve_options& o, const std::string& v) {
     o.store_options.lease = std::chrono::milliseconds{to_number("lease-ms", v, 300, 600000)};
   }},
  {"sync", "MODE",
   "normal: commits survive the process being killed; full: also an OS crash or "
   "power loss, at a cost per commit (default normal; SQLite only: PostgreSQL follows "
   "its own synchronous_commit)",
   set_sync},
  {"result-ttl", "SECONDS", "how long finished jobs stay queryable (default 3600)",
   [](serve_options& o, const std::string& v) {
     o.engine.result_ttl = std::chrono::seconds{to_number("result-ttl", v, 1, 31536000)};
   }},
  {"token", "SECRET", "require 'Authorization: Bearer SECRET' on /v1/* and /metrics",
   [](serve_options& o, const std::string& v) {
     if (v.empty())
       throw usage_error{"--token must not be empty"};
     o.http.token = v;
   }},
  {"max-body", "BYTES", "largest request body accepted (default 1048576)",
   [](serve_options& o, const std::string& v) {
     o.http.max_body = to_number("max-body", v, 64, 1ull << 30);
   }},
  {"max-connections", "N",
   "open HTTP connections at most; more get 503 at once (default 10000; lowered to fit "
   "the open-file limit)",
   [](serve_options& o, const std::string& v) {
     o.http.max_connections = to_number("max-connections", v, 1, 1000000);
   }},
  {"request-timeout", "MS",
   "time for a whole request (headers and body) to arrive, else 408 (default 10000)",
   [](serve_options& o, const std::string& v) {
     o.http.request_timeout =
       std::chrono::milliseconds{to_number("request-timeout", v, 100, 3600000)};
   }},
  {"idle-timeout", "MS", "time a keep-alive connection may idle between requests (default 15000)",
   [](serve_options& o, const std::string& v) {
     o.http.idle_timeout = std::chrono::milliseconds{to_number("idle-timeout", v, 100, 3600000)};
   }},
  {"busy-idle-timeout", "MS",
   "the same while more than half of --max-connections are open (default 1000)",
   [](serve_options& o, const std::string& v) {
     o.http.busy_idle_timeout =
       std::chrono::milliseconds{to_number("busy-idle-timeout", v, 100, 3600000)};
   }},
  {"compress-min-bytes", "BYTES",
   "gzip JSON answers at least this long for clients that accept it (default 4096)",
   [](serve_options& o, const std::string& v) {
     o.http.compress_min_bytes = to_number("compress-min-bytes", v, 0, 1ull << 30);
   }},
  {"tls-cert", "FILE", "serve HTTPS with this PEM certificate (needs --tls-key)",
   [](serve_options& o, const std::string& v) { o.http.tls_cert = v; }},
  {"tls-key", "FILE", "the PEM private key of --tls-cert",
   [](serve_options& o, const std::string& v) { o.http.tls_key = v; }},
  {"log-level", "LEVEL", "error, warn, info or debug: also each attempt (default info)",
   [](serve_options& o, const std::string& v) { o.log = parse_log_level(v); }},
  {"shutdown-timeout", "SECONDS",
   "on SIGINT/SIGTERM, how long running jobs may finish (default 30)",
   [](serve_options& o, const std::string& v) {
     o.shutdown_timeout = std::chrono::seconds{to_number("shutdown-timeout", v, 0, 86400)};
   }},
};

std::vector<flag<serve_options>> make_serve_flags() {
  auto all = serve_flags_without_nodes;
  all.push_back({"nodes", "HOST:PORT",
                 "accept worker nodes here (default: none); port 0 picks a free one",
                 [](serve_options& o, const std::string& v) {
                   o.nodes_enabled = true;
                   std::tie(o.nodes_host, o.nodes_port) = host_and_port("nodes", v);
                 }});
  all.push_back({"node-types", "TYPE,...",
                 "job types accepted for worker nodes before a node serving them joined; "
                 "their jobs wait for one",
                 [](serve_options& o, const std::string& v) {
                   o.engine.node_types.clear();
                   std::stringstream list{v};
                   for (std::string type; std::getline(list, type, ',');)
                     if (!type.empty())
                       o.engine.node_types.push_back(type);
                 }});
  all.push_back({"node-max-frame", "BYTES",
                 "the longest message a node may send (a job's result travels in one); a "
                 "longer one drops the node (default 16777216)",
                 [](serve_options& o, const std::string& v) {
                   o.node.max_frame_bytes =
                     static_cast<uint32_t>(to_number("node-max-frame", v, 1024, 1ull << 31));
                 }});
  auto node = node_flags<serve_options>();
  all.insert(all.end(), node.begin(), node.end());
  return all;
}

const std::vector<flag<serve_options>> serve_flags = make_serve_flags();

std::vector<flag<worker_options>> make_worker_flags() {
  std::vector<flag<worker_options>> all{
    {"join", "HOST:PORT,...",
     "the server's node address (its --nodes); for an active/standby pair, both servers' "
     "(the node joins whichever is active)",
     [](worker_options& o, const std::string& v) {
       o.join.clear();
       std::stringstream list{v};
       for (std::string one; std::getline(list, one, ',');) {
         auto [host, port] = host_and_port("join", one);
         o.join.push_back({host, port});
       }
     }},
    {"workers", "N", "worker actors on this node (default: the number of hardware threads)",
     [](worker_options& o, const std::string& v) {
       o.workers = static_cast<uint32_t>(to_number("workers", v, 1, 1024));
     }},
    {"name", "NAME", "this node's name, unique among the server's nodes (default HOST-PID)",
     [](worker_options& o, const std::string& v) {
       if (v.empty())
         throw usage_error{"--name must not be empty"};
       o.name = v;
     }},
    {"prefetch", "N", "jobs a worker may hold beyond the one it runs (default 8)",
     [](worker_options& o, const std::string& v) {
       o.prefetch = static_cast<uint32_t>(to_number("prefetch", v, 0, 1024));
     }},
    {"log-level", "LEVEL", "info, or debug: also each attempt this node starts (default info)",
     [](worker_options& o, const std::string& v) { o.log = parse_log_level(v); }},
    {"drain-timeout", "SECONDS",
     "on SIGTERM, how long running jobs may finish before they are cancelled (default 30)",
     [](worker_options& o, const std::string& v) {
       o.drain_timeout = std::chrono::seconds{to_number("drain-timeout", v, 0, 86400)};
     }},
  };
  auto node = node_flags<worker_options>();
  all.insert(all.end(), node.begin(), node.end());
  return all;
}

const std::vector<flag<worker_options>> worker_flags = make_worker_flags();

std::string env_name(const std::string& flag_name) {
  std::string name = "TROUPE_";
  for (char c : flag_name)
    name += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return name;
}

/// Reads `args` (then `env` for flags not given) into `opt` with `table`;
/// returns false if help was asked for.
template <class Options>
bool parse_flags(const std::string& command, const std::vector<std::string>& args,
                 const std::map<std::string, std::string>& env,
                 const std::vector<flag<Options>>& table, Options& opt) {
  command_line line{"troupe " + command};
  for (auto& f : table)
    line.option(
      f.name, f.help, [&opt, apply = f.apply](const std::string& value) { apply(opt, value); },
      env_name(f.name));
  return line.parse(args, env);
}

/// The flag lines of a help text.
template <class Options> std::string flags_help(const std::vector<flag<Options>>& table) {
  std::ostringstream out;
  for (auto& f : table) {
    std::string left = std::string{"  --"} + f.name + " " + f.value_name;
    out << left << std::string(left.size() < 30 ? 30 - left.size() : 1, ' ') << f.help << " ["
        << env_name(f.name) << "]\n";
  }
  out << "  -h, --help                  this text\n\n";
  return out.str();
}

/// Refuses node settings that cannot work on `host`.
void check_node_settings(const node_settings& node, const std::string& host) {
  auto problem = node_settings_problem(node, host);
  if (!problem.empty())
    throw usage_error{problem};
}

} // namespace

serve_options parse_serve(const std::vector<std::string>& args,
                          const std::map<std::string, std::string>& env) {
  serve_options opt;
  if (!parse_flags("serve", args, env, serve_flags, opt)) {
    opt.help = true;
    return opt;
  }
  if (opt.http.tls_cert.empty() != opt.http.tls_key.empty())
    throw usage_error{"--tls-cert and --tls-key go together"};
  if (opt.nodes_enabled)
    check_node_settings(opt.node, opt.nodes_host);
  else if (opt.engine.workers == size_t{0})
    throw usage_error{"--workers 0 needs --nodes: without local workers only nodes run jobs"};
  return opt;
}

std::string serve_help() {
  return "usage: troupe serve [options]\n\n"
         "Runs the job engine with the built-in job types behind the HTTP API, and\n"
         "the web dashboard at / (open the URL it prints in a browser).\n"
         "Each option can also be set by its environment variable; the option wins.\n\n"
         + flags_help(serve_flags)
         + "SIGINT or SIGTERM shuts down gracefully: new submissions get 503, running\n"
           "jobs get --shutdown-timeout to finish; exit code 0. With a sqlite store,\n"
           "unfinished jobs stay stored and resume at the next start (with memory they\n"
           "are cancelled). A store that cannot be opened exits with code 1.\n";
}

worker_options parse_worker(const std::vector<std::string>& args,
                            const std::map<std::string, std::string>& env) {
  worker_options opt;
  if (!parse_flags("worker", args, env, worker_flags, opt)) {
    opt.help = true;
    return opt;
  }
  if (opt.join.empty())
    throw usage_error{"--join HOST:PORT is required"};
  for (auto& server : opt.join)
    check_node_settings(opt.node, server.host);
  return opt;
}

std::string worker_help() {
  return "usage: troupe worker --join HOST:PORT[,HOST:PORT...] [options]\n\n"
         "Runs worker actors with the built-in job types for the troupe server whose\n"
         "--nodes is HOST:PORT (or the active one of those listed). Each option can also be set by "
         "its environment\n"
         "variable; the option wins.\n\n"
         + flags_help(worker_flags)
         + "Prints 'troupe: joined HOST:PORT as NAME' on every join. A refused or failed\n"
           "first join exits with code 1; after that, a node that loses its server drops\n"
           "what it runs and rejoins with a backoff of 0.5 s doubling to 30 s (2 s with\n"
           "several servers, each tried in turn). SIGINT or\n"
           "SIGTERM leaves: jobs not started go back to the server at once, running ones\n"
           "get --drain-timeout, then the node exits with code 0.\n";
}

std::map<std::string, std::string> process_environment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry{*e};
    auto eq = entry.find('=');
    if (eq != std::string::npos)
      env[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  return env;
}

} // namespace troupe::app
