// The command line of `troupe`: `troupe serve [flags]` and
// `troupe worker --join HOST:PORT[,HOST:PORT...] [flags]`. Every flag can also be
// set through an environment variable `TROUPE_<FLAG>` (upper case, dashes as
// underscores); a flag given on the command line wins.
#pragma once

#include "troupe/engine_config.hpp"
#include "troupe/http/gateway.hpp"
#include "troupe/log.hpp"
#include "troupe/node_settings.hpp"
#include "troupe/store.hpp"
#include "troupe/worker_node.hpp"

#include <chrono>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace troupe::app {

/// A command line that cannot be run; the message says why.
class usage_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// Everything `troupe serve` needs, parsed and validated.
struct serve_options {
  engine_config engine;
  http::gateway_config http;
  store_spec store{store_spec::kind::sqlite, "./troupe-data/troupe.db"};
  troupe::store_options store_options;
  log_level log = log_level::info;
  std::chrono::seconds shutdown_timeout{30};
  /// Whether worker nodes are accepted on `nodes_host:nodes_port`.
  bool nodes_enabled = false;
  std::string nodes_host;
  uint16_t nodes_port = 0;
  node_settings node;
  bool help = false;
};

/// Everything `troupe worker` needs, parsed and validated.
struct worker_options {
  /// The servers' node addresses, tried in turn (an active/standby pair).
  std::vector<server_address> join;
  /// 0: one per hardware thread.
  uint32_t workers = 0;
  /// Empty: HOST-PID.
  std::string name;
  uint32_t prefetch = 8;
  std::chrono::seconds drain_timeout{30};
  log_level log = log_level::info;
  node_settings node;
  bool help = false;
};

/// Parses the arguments after `serve`, reading `env` for unset flags.
serve_options parse_serve(const std::vector<std::string>& args,
                          const std::map<std::string, std::string>& env);

/// The text of `troupe serve --help`.
std::string serve_help();

/// Parses the arguments after `worker`, reading `env` for unset flags.
worker_options parse_worker(const std::vector<std::string>& args,
                            const std::map<std::string, std::string>& env);

/// The text of `troupe worker --help`.
std::string worker_help();

/// The environment of this process, as `parse_serve` takes it.
std::map<std::string, std::string> process_environment();

} // namespace troupe::app
