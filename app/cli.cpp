#include "cli.hpp"

#include <algorithm>
#include <cctype>
#include <sstream>

extern char** environ;

namespace troupe::app {

namespace {

struct flag {
  const char* name;
  const char* value_name;
  const char* help;
  void (*apply)(serve_options&, const std::string& value);
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

void set_http(serve_options& opt, const std::string& value) {
  auto colon = value.rfind(':');
  if (colon == std::string::npos || colon == 0)
    throw usage_error{"--http must be HOST:PORT, not '" + value + "'"};
  opt.http.host = value.substr(0, colon);
  opt.http.port = static_cast<uint16_t>(to_number("http", value.substr(colon + 1), 0, 65535));
}

void set_store(serve_options& opt, const std::string& value) {
  if (value != "memory" && (value.rfind("sqlite:", 0) != 0 || value.size() == 7))
    throw usage_error{"--store must be sqlite:PATH or memory, not '" + value + "'"};
  opt.store = value;
}

void set_sync(serve_options& opt, const std::string& value) {
  if (value == "normal")
    opt.store_options.sync = sync_mode::normal;
  else if (value == "full")
    opt.store_options.sync = sync_mode::full;
  else
    throw usage_error{"--sync must be normal or full, not '" + value + "'"};
}

void set_log_level(serve_options& opt, const std::string& value) {
  static const std::map<std::string, log_level> levels{{"error", log_level::error},
                                                       {"warn", log_level::warn},
                                                       {"info", log_level::info},
                                                       {"debug", log_level::debug}};
  auto i = levels.find(value);
  if (i == levels.end())
    throw usage_error{"--log-level must be error, warn, info or debug, not '" + value + "'"};
  opt.log = i->second;
  opt.engine.log_attempts = opt.log == log_level::debug;
}

const std::vector<flag> flags{
  {"http", "HOST:PORT", "listen address; port 0 picks a free one (default 127.0.0.1:8080)",
   set_http},
  {"workers", "N", "worker actors (default: the number of hardware threads)",
   [](serve_options& o, const std::string& v) {
     o.engine.workers = to_number("workers", v, 1, 1024);
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
   "job store: sqlite:PATH, durable, or memory, lost on exit (default "
   "sqlite:./troupe-data/troupe.db)",
   set_store},
  {"sync", "MODE",
   "normal: commits survive the process being killed; full: also an OS crash or "
   "power loss, at a cost per commit (default normal)",
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
  {"http-threads", "N",
   "threads that run HTTP handlers; a request holds one only once it has fully arrived "
   "(default 64)",
   [](serve_options& o, const std::string& v) {
     o.http.threads = to_number("http-threads", v, 1, 4096);
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
   set_log_level},
  {"shutdown-timeout", "SECONDS",
   "on SIGINT/SIGTERM, how long running jobs may finish (default 30)",
   [](serve_options& o, const std::string& v) {
     o.shutdown_timeout = std::chrono::seconds{to_number("shutdown-timeout", v, 0, 86400)};
   }},
};

std::string env_name(const std::string& flag_name) {
  std::string name = "TROUPE_";
  for (char c : flag_name)
    name += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return name;
}

const flag& find_flag(const std::string& name) {
  for (auto& f : flags)
    if (name == f.name)
      return f;
  throw usage_error{"unknown option --" + name};
}

} // namespace

serve_options parse_serve(const std::vector<std::string>& args,
                          const std::map<std::string, std::string>& env) {
  std::map<std::string, std::string> given;
  serve_options opt;
  for (size_t i = 0; i < args.size(); ++i) {
    const auto& arg = args[i];
    if (arg == "-h" || arg == "--help") {
      opt.help = true;
      return opt;
    }
    if (arg.rfind("--", 0) != 0)
      throw usage_error{"unexpected argument '" + arg + "'"};
    auto eq = arg.find('=');
    auto name = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    find_flag(name);
    if (eq != std::string::npos)
      given[name] = arg.substr(eq + 1);
    else if (i + 1 < args.size())
      given[name] = args[++i];
    else
      throw usage_error{"--" + name + " needs a value"};
  }
  for (auto& f : flags) {
    auto value = given.find(f.name);
    if (value != given.end()) {
      f.apply(opt, value->second);
      continue;
    }
    auto from_env = env.find(env_name(f.name));
    if (from_env != env.end())
      f.apply(opt, from_env->second);
  }
  if (opt.http.tls_cert.empty() != opt.http.tls_key.empty())
    throw usage_error{"--tls-cert and --tls-key go together"};
  return opt;
}

std::string serve_help() {
  std::ostringstream out;
  out << "usage: troupe serve [options]\n\n"
         "Runs the job engine with the built-in job types behind the HTTP API.\n"
         "Each option can also be set by its environment variable; the option wins.\n\n";
  for (auto& f : flags) {
    std::string left = std::string{"  --"} + f.name + " " + f.value_name;
    out << left << std::string(left.size() < 30 ? 30 - left.size() : 1, ' ') << f.help << " ["
        << env_name(f.name) << "]\n";
  }
  out << "  -h, --help                  this text\n\n"
         "SIGINT or SIGTERM shuts down gracefully: new submissions get 503, running\n"
         "jobs get --shutdown-timeout to finish; exit code 0. With a sqlite store,\n"
         "unfinished jobs stay stored and resume at the next start (with memory they\n"
         "are cancelled). A store that cannot be opened exits with code 1.\n";
  return out.str();
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
