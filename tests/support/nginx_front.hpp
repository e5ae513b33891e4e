// Debian's real nginx with the shipped deploy/nginx configuration, in front
// of real `troupe serve` processes on loopback.
#pragma once

#include "support/server_process.hpp"

#include <httplib.h>

#include <csignal>
#include <fstream>
#include <optional>

namespace troupe::test {

/// Replaces the one occurrence of `from` in `text`, which must be there.
inline void replace_once(std::string& text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  text.replace(at, from.size(), to);
}

/// nginx with the shipped configuration, its addresses and log paths set for
/// this test: in front of one troupe server, or of two on one database (the
/// configuration's second, commented-out server line); stopped by PID
/// (SIGTERM to the master) at the end.
class nginx_front {
public:
  nginx_front(const scratch_dir& dir, uint16_t troupe_port, std::optional<uint16_t> second = {})
      : port(free_port()) {
    auto site = read_file(TROUPE_SOURCE_DIR "/deploy/nginx/troupe.conf");
    replace_once(site, "server 127.0.0.1:8080 ",
                 "server 127.0.0.1:" + std::to_string(troupe_port) + " ");
    if (second)
      replace_once(site, "# server 127.0.0.1:8081 ",
                   "server 127.0.0.1:" + std::to_string(*second) + " ");
    replace_once(site, "listen 80;", "listen 127.0.0.1:" + std::to_string(port) + ";");
    replace_once(site, "/var/log/nginx/", dir.file(""));
    std::ofstream{dir.file("troupe.conf")} << site;
    std::ofstream{dir.file("nginx.conf")}
      << read_file(TROUPE_SOURCE_DIR "/deploy/nginx/nginx.conf");
    proc_.emplace(std::vector<std::string>{"/usr/sbin/nginx", "-p", dir.file(""), "-c",
                                           dir.file("nginx.conf"), "-g",
                                           "daemon off; pid " + dir.file("nginx.pid") + ";"},
                  std::vector<std::string>{}, dir.file("nginx.log"));
    // Ready once it accepts a connection.
    auto deadline = std::chrono::steady_clock::now() + 10s;
    for (;;) {
      httplib::Client probe{"127.0.0.1", port};
      if (probe.Get("/healthz"))
        break;
      REQUIRE(std::chrono::steady_clock::now() < deadline);
      REQUIRE_FALSE(proc_->wait_exit(10ms));
    }
  }

  ~nginx_front() {
    proc_->signal(SIGTERM);
    proc_->wait_exit(10s);
  }

  uint16_t port;

private:
  std::optional<child_process> proc_;
};

} // namespace troupe::test
