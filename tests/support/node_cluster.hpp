// A server that accepts worker nodes, and nodes joining it, as real
// processes on 127.0.0.1 for black-box tests of issue 10's node protocol.
#pragma once

#include "support/server_process.hpp"

#include <map>
#include <regex>

namespace troupe::test {

/// `troupe serve --nodes 127.0.0.1:PORT` (port 0 unless given); knows its
/// node address once it printed it.
struct node_server {
  node_server(const std::string& log, std::vector<std::string> flags, uint16_t nodes_port = 0)
      : s(with_nodes(std::move(flags), nodes_port), log) {
    auto line = s.proc.read_line(30s);
    REQUIRE(line);
    REQUIRE(line->rfind("troupe: nodes on ", 0) == 0);
    nodes = line->substr(17);
    port = static_cast<uint16_t>(std::stoi(nodes.substr(nodes.rfind(':') + 1)));
  }

  static std::vector<std::string> with_nodes(std::vector<std::string> flags, uint16_t port) {
    flags.insert(flags.end(),
                 {"--http", "127.0.0.1:0", "--nodes", "127.0.0.1:" + std::to_string(port)});
    return flags;
  }

  server s;
  /// HOST:PORT for `--join`.
  std::string nodes;
  uint16_t port = 0;
};

/// A `troupe worker` (or another node binary) that has joined: its first
/// stdout line said so.
struct node_process {
  node_process(const std::string& log, std::vector<std::string> argv)
      : log(log), proc(std::move(argv), {}, log) {
    auto line = proc.read_line(30s);
    REQUIRE(line);
    REQUIRE(line->rfind("troupe: joined ", 0) == 0);
  }

  std::string log;
  child_process proc;
};

/// The command line of `troupe worker --join` for `srv` named `name`,
/// logging its attempts.
inline std::vector<std::string> node_argv(const node_server& srv, const std::string& name,
                                          const std::vector<std::string>& flags) {
  std::vector<std::string> argv{TROUPE_BINARY, "worker", "--join",      srv.nodes,
                                "--name",      name,     "--log-level", "debug"};
  argv.insert(argv.end(), flags.begin(), flags.end());
  return argv;
}

/// Starts a node that logs to NAME.log in `dir` (a child process cannot be
/// moved: construct the result in place).
inline node_process start_node(const scratch_dir& dir, const node_server& srv,
                               const std::string& name, std::vector<std::string> flags = {}) {
  return node_process{dir.file(name + ".log"), node_argv(srv, name, flags)};
}

/// A job's snapshot once it is terminal (long-polls up to `wait`).
inline nlohmann::json wait_for_job(const server& s, const std::string& id,
                                   std::chrono::milliseconds wait = 60s) {
  auto deadline = std::chrono::steady_clock::now() + wait;
  for (;;) {
    auto job = get_json(s, "/v1/jobs/" + id + "?wait_ms=20000");
    auto status = job.at("status").get<std::string>();
    if (status == "success" || status == "failed" || status == "cancelled"
        || std::chrono::steady_clock::now() > deadline)
      return job;
  }
}

/// The node named `name` in GET /v1/workers, or null.
inline nlohmann::json node_named(const nlohmann::json& workers, const std::string& name) {
  for (auto& node : workers.at("nodes"))
    if (node.at("name") == name && node.at("state") != "lost" && node.at("state") != "left")
      return node;
  return nullptr;
}

/// How many attempts of each job the nodes' logs say they started.
inline std::map<std::string, int> attempts_started(const std::vector<std::string>& logs) {
  static const std::regex line{R"(troupe: job (\S+) attempt \d+ started on )"};
  std::map<std::string, int> count;
  for (auto& log : logs) {
    auto text = read_file(log);
    for (std::sregex_iterator i{text.begin(), text.end(), line}, end; i != end; ++i)
      ++count[(*i)[1].str()];
  }
  return count;
}

} // namespace troupe::test
