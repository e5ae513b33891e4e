// `troupe serve` as a real process on 127.0.0.1 for black-box tests: a
// scratch directory for its store and log, curl to talk to it, and the server
// itself, started with the test's flags and stopped by PID.
#pragma once

#include "support/process.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <netinet/in.h>
#include <sstream>
#include <sys/socket.h>
#include <sys/wait.h>

namespace troupe::test {

using namespace std::chrono_literals;

/// A fresh directory under the system's temp directory, removed with its
/// contents when the test ends.
class scratch_dir {
public:
  scratch_dir() {
    static std::atomic<int> next{0};
    path_ = std::filesystem::temp_directory_path()
            / ("troupe-test-" + std::to_string(::getpid()) + "-" + std::to_string(next++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }

  ~scratch_dir() {
    std::error_code ignored;
    std::filesystem::permissions(path_, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::add, ignored);
    std::filesystem::remove_all(path_, ignored);
  }

  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;

  /// The path of `name` inside the directory.
  std::string file(const std::string& name) const { return (path_ / name).string(); }

  /// `--store` value for a database in this directory.
  std::string sqlite_store(const std::string& name = "troupe.db") const {
    return "sqlite:" + file(name);
  }

private:
  std::filesystem::path path_;
};

inline std::string read_file(const std::string& path) {
  std::ifstream in{path};
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

/// A port nothing listens on right now.
inline uint16_t free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

/// What a shell command printed on stdout, and its exit code.
struct command_result {
  int exit_code = -1;
  std::string output;
};

/// Runs `command` with `sh -c` and waits for it.
inline command_result run_command(const std::string& command) {
  auto pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  command_result result;
  char buf[4096];
  while (auto n = fread(buf, 1, sizeof(buf), pipe))
    result.output.append(buf, n);
  auto status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

struct curl_result {
  int status = 0;
  std::string body;
};

/// Runs curl with `args`; the last output line is the HTTP status.
inline curl_result curl(const std::string& args) {
  auto out = run_command("curl -s -w '\\n%{http_code}' " + args).output;
  auto nl = out.rfind('\n');
  REQUIRE(nl != std::string::npos);
  return {std::stoi(out.substr(nl + 1)), out.substr(0, nl)};
}

/// A running `troupe serve`; knows its base URL once it printed it. Its
/// stderr goes to `log`.
struct server {
  server(std::vector<std::string> flags, const std::string& log, std::vector<std::string> env = {})
      : log(log), proc(with_binary(std::move(flags)), std::move(env), log) {
    await_address(30s);
  }

  /// Waits up to `timeout` for the line with the server's address.
  void await_address(std::chrono::milliseconds timeout) {
    auto line = proc.read_line(timeout);
    REQUIRE(line);
    auto at = line->find("://");
    REQUIRE(at != std::string::npos);
    url = line->substr(line->rfind(' ', at) + 1);
    auto colon = url.rfind(':');
    port = static_cast<uint16_t>(std::stoi(url.substr(colon + 1)));
  }

  static std::vector<std::string> with_binary(std::vector<std::string> flags) {
    flags.insert(flags.begin(), {TROUPE_BINARY, "serve"});
    return flags;
  }

  std::string log;
  child_process proc;
  std::string url;
  uint16_t port = 0;
};

/// Submits a job with curl; requires 202 and returns the id.
inline std::string submit(const server& s, const std::string& body) {
  auto res =
    curl("-X POST -H 'Content-Type: application/json' -d '" + body + "' " + s.url + "/v1/jobs");
  REQUIRE(res.status == 202);
  return nlohmann::json::parse(res.body).at("id");
}

/// GET `path` with curl; requires 200 and returns the JSON.
inline nlohmann::json get_json(const server& s, const std::string& path) {
  auto res = curl(s.url + path);
  REQUIRE(res.status == 200);
  return nlohmann::json::parse(res.body);
}

/// Polls `path` until `pred` holds for its JSON (or `limit` passes); returns
/// how long that took, or nothing. For changes no long-poll announces (a
/// node's loss); each poll is one loopback request.
template <class Pred>
std::optional<std::chrono::milliseconds> poll_until(const server& s, const std::string& path,
                                                    Pred pred,
                                                    std::chrono::milliseconds limit = 30s) {
  auto start = std::chrono::steady_clock::now();
  for (;;) {
    auto answer = get_json(s, path);
    auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
    if (pred(answer))
      return elapsed;
    if (elapsed > limit)
      return std::nullopt;
  }
}

/// Polls /readyz until it answers 200 (a standby's took over; a starting
/// server opened its store); returns how long that took, or nothing after
/// `limit`.
inline std::optional<std::chrono::milliseconds> await_ready(const server& s,
                                                            std::chrono::milliseconds limit = 30s) {
  auto start = std::chrono::steady_clock::now();
  for (;;) {
    auto ready = curl(s.url + "/readyz").status == 200;
    auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
    if (ready)
      return elapsed;
    if (elapsed > limit)
      return std::nullopt;
  }
}

} // namespace troupe::test
