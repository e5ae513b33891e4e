// The HTTP API as the client commands use it: paths built from what the user
// typed (each part encoded), answers read as JSON, and every failure an exit
// code with a message.
#pragma once

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <functional>
#include <initializer_list>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace troupe::app {

using json = nlohmann::json;
using query = std::vector<std::pair<std::string, std::string>>;

constexpr int exit_ok = 0;
constexpr int exit_job_failed = 1;
constexpr int exit_usage = 2;
constexpr int exit_server = 3;

/// Why a command stops, with its exit code.
struct command_error : std::runtime_error {
  command_error(int code, const std::string& what) : std::runtime_error(what), code(code) {}
  int code;
};

/// The API path of `segments` under `/v1`, each encoded as one path segment
/// and each query value encoded, whatever the user typed (`/`, `&`, `#`, ...).
std::string api_path(std::initializer_list<std::string> segments, const query& params = {});

/// Talks to the server: every answer is JSON; an error answer or no answer
/// ends the command with exit code 3. Given several servers (an
/// active/standby pair), it asks the next one when a server cannot be
/// reached or answers as a standby, and keeps to the one that answered.
class server_api {
public:
  /// The servers at `urls`, a comma list of http:// or https:// URLs, with a
  /// bearer `token` and the certificates of `cacert` to trust (either may be
  /// empty).
  server_api(const std::string& urls, const std::string& token, const std::string& cacert);

  json get(const std::string& path) {
    return send([&](httplib::Client& c) { return c.Get(path.c_str(), headers_); });
  }

  json post(const std::string& path, const std::string& json_body) {
    return send([&](httplib::Client& c) {
      return c.Post(path.c_str(), headers_, json_body, "application/json");
    });
  }

  json post(const std::string& path) {
    return send([&](httplib::Client& c) { return c.Post(path.c_str(), headers_); });
  }

  json put(const std::string& path, const std::string& json_body) {
    return send([&](httplib::Client& c) {
      return c.Put(path.c_str(), headers_, json_body, "application/json");
    });
  }

  json del(const std::string& path) {
    return send([&](httplib::Client& c) { return c.Delete(path.c_str(), headers_); });
  }

private:
  struct server {
    std::string url;
    std::unique_ptr<httplib::Client> client;
  };

  /// Sends one request, to the next server while one is unreachable (no
  /// connection: nothing was sent) or a standby (503 standby: nothing was
  /// accepted); so a POST is never sent twice to servers that took it.
  json send(const std::function<httplib::Result(httplib::Client&)>& request);

  json check(const httplib::Result& res, const std::string& url);

  std::vector<server> servers_;
  size_t current_ = 0;
  httplib::Headers headers_;
};

} // namespace troupe::app
