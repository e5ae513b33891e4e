// Phase 4 of troupe-bench: a real `troupe serve`, fed over HTTP, and its
// resident set growth per finished job kept for its result TTL.
#include "bench_support.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <csignal>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>

namespace troupe::bench {

namespace {

/// Starts `troupe serve` on a free port; returns its pid and port.
std::pair<pid_t, int> start_server(const std::string& binary, const std::string& store) {
  int out[2];
  if (pipe(out) != 0)
    throw std::runtime_error("pipe failed");
  auto pid = fork();
  if (pid == 0) {
    dup2(out[1], 1);
    dup2(out[1], 2);
    close(out[0]);
    execl(binary.c_str(), binary.c_str(), "serve", "--http", "127.0.0.1:0", "--store",
          store.c_str(), "--workers", "2", "--result-ttl", "3600", static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  std::string seen;
  char c;
  while (read(out[0], &c, 1) == 1) {
    seen += c;
    auto at = seen.find("listening on http://127.0.0.1:");
    if (at != std::string::npos && c == '\n') {
      auto port = std::stoi(seen.substr(at + 30));
      // Keep draining the server's output so that it never blocks on it.
      std::thread{[fd = out[0]] {
        char buf[4096];
        while (read(fd, buf, sizeof(buf)) > 0) {
        }
        close(fd);
      }}.detach();
      return {pid, port};
    }
  }
  throw std::runtime_error("troupe serve did not start: " + seen);
}

/// Posts `n` echo jobs from four keep-alive connections.
void post_jobs(int port, size_t n) {
  std::atomic<size_t> next{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t)
    clients.emplace_back([&] {
      httplib::Client client{"127.0.0.1", port};
      client.set_keep_alive(true);
      client.set_tcp_nodelay(true); // else headers and body wait on delayed ACKs (40 ms)
      for (auto i = next++; i < n; i = next++) {
        auto body = nlohmann::json{{"type", "echo"}, {"payload", {{"n", i}}}}.dump();
        auto res = client.Post("/v1/jobs", body, "application/json");
        if (!res || res->status != 202)
          throw std::runtime_error("POST /v1/jobs failed");
      }
    });
  for (auto& c : clients)
    c.join();
}

/// Waits until the server counts `n` successes.
void await_successes(int port, size_t n) {
  httplib::Client client{"127.0.0.1", port};
  while (true) {
    auto res = client.Get("/v1/stats");
    if (res && res->status == 200
        && nlohmann::json::parse(res->body).at("jobs").at("success").get<size_t>() >= n)
      return;
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
  }
}

} // namespace

double served_bytes_per_finished_job(const std::string& binary, const std::string& store,
                                     size_t n) {
  auto [pid, port] = start_server(binary, store);
  auto id = std::to_string(pid);
  // Warm up: connections, threads, allocator pools.
  constexpr size_t warmup = 5000;
  post_jobs(port, warmup);
  await_successes(port, warmup);
  auto before = resident_bytes(id);
  post_jobs(port, n);
  await_successes(port, warmup + n);
  auto after = resident_bytes(id);
  kill(pid, SIGTERM);
  waitpid(pid, nullptr, 0);
  return (static_cast<double>(after) - static_cast<double>(before)) / static_cast<double>(n);
}

} // namespace troupe::bench
