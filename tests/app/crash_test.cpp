// The promise of the durable store, on the real binary: every job answered 202
// reaches success even if the server is killed with SIGKILL at any moment; a
// job only held by a worker keeps its attempts; a last attempt never runs
// twice. The server is killed while clients are submitting, while jobs are
// running, while jobs wait for a retry, and while a worker holds jobs behind
// a running one; a second server on the same file (or PostgreSQL database)
// must finish everything.
#include "support/postgres_cluster.hpp"
#include "support/server_process.hpp"

#include <httplib.h>

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

using namespace troupe::test;
using json = nlohmann::json;

namespace {

httplib::Client client_for(const server& s) {
  httplib::Client cli{"127.0.0.1", s.port};
  cli.set_keep_alive(true);
  cli.set_tcp_nodelay(true);
  cli.set_connection_timeout(5, 0);
  cli.set_read_timeout(60, 0);
  return cli;
}

/// Clients that submit jobs concurrently until told to stop or the server
/// goes away, keeping every id that was answered 202.
class submitters {
public:
  submitters(const server& s, size_t clients, size_t limit, std::function<json(size_t)> job_for)
      : job_for_(std::move(job_for)), limit_(limit) {
    for (size_t i = 0; i < clients; ++i)
      threads_.emplace_back([this, &s] { run(s); });
  }

  ~submitters() { join(); }

  void join() {
    stop_ = true;
    for (auto& t : threads_)
      if (t.joinable())
        t.join();
  }

  size_t accepted_count() {
    std::lock_guard<std::mutex> guard{mtx_};
    return accepted_.size();
  }

  std::vector<std::string> accepted() {
    std::lock_guard<std::mutex> guard{mtx_};
    return accepted_;
  }

  /// Answers other than 202 before the kill (Catch cannot check off the
  /// test's thread).
  std::vector<std::string> refused() {
    std::lock_guard<std::mutex> guard{mtx_};
    return refused_;
  }

  /// Waits until `n` submissions were accepted; false if the clients stopped.
  bool await_accepted(size_t n) {
    auto deadline = std::chrono::steady_clock::now() + 60s;
    while (accepted_count() < n) {
      if (std::chrono::steady_clock::now() > deadline || !refused().empty())
        return false;
      std::this_thread::yield();
    }
    return true;
  }

private:
  void run(const server& s) {
    auto cli = client_for(s);
    while (!stop_) {
      auto n = next_++;
      if (n >= limit_)
        return;
      auto res = cli.Post("/v1/jobs", job_for_(n).dump(), "application/json");
      if (!res)
        return; // The server was killed.
      std::lock_guard<std::mutex> guard{mtx_};
      if (res->status != 202) {
        refused_.push_back(std::to_string(res->status) + " " + res->body);
        return;
      }
      accepted_.push_back(json::parse(res->body).at("id"));
    }
  }

  std::function<json(size_t)> job_for_;
  size_t limit_;
  std::atomic<size_t> next_{0};
  std::atomic<bool> stop_{false};
  std::mutex mtx_;
  std::vector<std::string> accepted_;
  std::vector<std::string> refused_;
  std::vector<std::thread> threads_;
};

/// Polls the server's stats until `ready` holds for them (bounded).
void await_stats(const server& s, const std::function<bool(const json&)>& ready) {
  auto cli = client_for(s);
  auto deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto res = cli.Get("/v1/stats");
    REQUIRE(res);
    if (ready(json::parse(res->body)))
      return;
    std::this_thread::yield();
  }
  FAIL("the server never reached the state to kill it in");
}

/// How often each job started an attempt, from the servers' debug logs
/// ("troupe: job ID attempt N started on worker-K").
std::map<std::string, int> attempts_started(const std::vector<std::string>& logs) {
  const std::string marker = "troupe: job ";
  std::map<std::string, int> started;
  for (auto& log : logs) {
    std::istringstream lines{read_file(log)};
    for (std::string line; std::getline(lines, line);)
      if (line.rfind(marker, 0) == 0 && line.find(" started on ") != std::string::npos)
        ++started[line.substr(marker.size(), 36)];
  }
  return started;
}

struct outcome {
  size_t accepted = 0;
  size_t interrupted = 0;
  size_t retried = 0;
};

/// Starts a server, submits with `clients` until `kill_when` holds, kills it
/// with SIGKILL, restarts it on the same store (`store`, else an SQLite file),
/// and checks every accepted job.
outcome crash_and_recover(size_t limit, const std::function<json(size_t)>& job_for,
                          const std::function<bool(submitters&, const server&)>& kill_when,
                          std::string store = {}) {
  scratch_dir dir;
  if (store.empty())
    store = dir.sqlite_store();
  std::vector<std::string> flags{"--http",    "127.0.0.1:0", "--store",     store,
                                 "--workers", "2",           "--log-level", "debug"};
  std::vector<std::string> accepted;
  {
    server first{flags, dir.file("first.log")};
    submitters clients{first, 4, limit, job_for};
    REQUIRE(kill_when(clients, first));
    first.proc.signal(SIGKILL);
    clients.join();
    CHECK(first.proc.wait_exit(10s) == 128 + SIGKILL);
    accepted = clients.accepted();
    CHECK(clients.refused().empty());
  }
  server second{flags, dir.file("second.log")};
  std::vector<json> finished;
  {
    // Closed before the shutdown: the server would wait out its keep-alive.
    auto cli = client_for(second);
    for (auto& id : accepted) {
      auto res = cli.Get(("/v1/jobs/" + id + "?wait_ms=30000").c_str());
      REQUIRE(res);
      REQUIRE(res->status == 200);
      finished.push_back(json::parse(res->body));
    }
  }
  second.proc.signal(SIGTERM);
  CHECK(second.proc.wait_exit(30s) == 0);

  auto started = attempts_started({dir.file("first.log"), dir.file("second.log")});
  outcome result;
  result.accepted = accepted.size();
  for (auto& job : finished) {
    std::string id = job["id"];
    INFO("job " << job.dump());
    CHECK(job["status"] == "success");
    CHECK(job["attempts"] <= job["max_attempts"]);
    // An attempt counts once its start is stored, with the group commit
    // after it: a kill within that commit leaves one run uncounted.
    CHECK(started[id] <= job["attempts"].get<int>() + 1);
    CHECK(started[id] >= 1);
    if (job["error"].is_string()
        && job["error"].get<std::string>().find("interrupted") != std::string::npos)
      ++result.interrupted;
    if (job["attempts"] > 1)
      ++result.retried;
  }
  return result;
}

} // namespace

TEST_CASE("a server killed while clients submit loses none of the jobs it accepted") {
  auto result = crash_and_recover(
    4000,
    [](size_t n) {
      return json{{"type", "echo"}, {"payload", {{"n", n}}}};
    },
    [](submitters& clients, const server&) { return clients.await_accepted(1500); });
  CHECK(result.accepted >= 1500);
  CHECK(result.accepted < 4000);
}

TEST_CASE("a server killed while jobs run runs the interrupted ones again, on either store") {
  std::string kind = GENERATE(as<std::string>{}, "sqlite", "postgres");
  INFO(kind << " store");
  auto result = crash_and_recover(
    600,
    // Jobs of 20 ms and more: one seen running is still running when the kill
    // follows the answer that showed it.
    [](size_t n) {
      return json{{"type", "sleep"}, {"payload", {{"ms", 20 + 10 * (n % 5)}}}, {"max_attempts", 2}};
    },
    [](submitters& clients, const server& s) {
      if (!clients.await_accepted(300))
        return false;
      await_stats(s, [&](const json& stats) {
        return stats["jobs"]["success"] >= 100 && stats["jobs"]["running"] >= 1;
      });
      return true;
    },
    kind == "postgres" ? postgres_cluster::shared().fresh_database() : std::string{});
  CHECK(result.interrupted >= 1);
}

TEST_CASE("a server killed while jobs wait for a retry retries them after the restart") {
  auto result = crash_and_recover(
    300,
    [](size_t) {
      return json{{"type", "crash"}, {"payload", {{"crash_attempts", 1}}}, {"max_attempts", 3}};
    },
    [](submitters&, const server& s) {
      await_stats(s, [](const json& stats) { return stats["queue"]["delayed"] >= 50; });
      return true;
    });
  CHECK(result.retried == result.accepted);
}

TEST_CASE("jobs a worker only held keep their attempts across a SIGKILL") {
  scratch_dir dir;
  std::vector<std::string> flags{"--http",      "127.0.0.1:0", "--store",    dir.sqlite_store(),
                                 "--workers",   "1",           "--prefetch", "8",
                                 "--log-level", "debug"};
  std::string blocker;
  std::vector<std::string> held;
  {
    server first{flags, dir.file("first.log")};
    blocker = submit(first, R"({"type":"sleep","payload":{"ms":3000},"max_attempts":3})");
    REQUIRE(poll_until(first, "/v1/jobs/" + blocker,
                       [](const json& j) { return j["status"] == "running"; }));
    for (int i = 0; i < 6; ++i)
      held.push_back(submit(first, R"({"type":"echo","payload":1,"max_attempts":1})"));
    // Each was answered once stored; the blocker's start went before them.
    REQUIRE(poll_until(first, "/v1/workers",
                       [](const json& w) { return w["local"]["list"][0]["jobs_held"] == 7; }));
    first.proc.signal(SIGKILL);
    CHECK(first.proc.wait_exit(10s) == 128 + SIGKILL);
  }
  // Two workers now, so that the held jobs need not wait behind the blocker.
  flags[5] = "2";
  server second{flags, dir.file("second.log")};
  for (auto& id : held) {
    auto job = get_json(second, "/v1/jobs/" + id + "?wait_ms=30000");
    INFO(job.dump());
    CHECK(job["status"] == "success");
    CHECK(job["attempts"] == 1);
    CHECK(job["error"].is_null());
  }
  auto interrupted = get_json(second, "/v1/jobs/" + blocker);
  CHECK(interrupted["attempts"] == 2);
  CHECK_THAT(interrupted["error"].get<std::string>(), Catch::Contains("interrupted"));
  second.proc.signal(SIGKILL);
}

TEST_CASE("a last attempt interrupted by a SIGKILL is never run again") {
  scratch_dir dir;
  std::vector<std::string> flags{"--http",    "127.0.0.1:0", "--store",     dir.sqlite_store(),
                                 "--workers", "2",           "--log-level", "debug"};
  std::string id;
  {
    server first{flags, dir.file("first.log")};
    id = submit(first, R"({"type":"sleep","payload":{"ms":60000},"max_attempts":1})");
    REQUIRE(
      poll_until(first, "/v1/jobs/" + id, [](const json& j) { return j["status"] == "running"; }));
    first.proc.signal(SIGKILL);
    CHECK(first.proc.wait_exit(10s) == 128 + SIGKILL);
  }
  server second{flags, dir.file("second.log")};
  auto job = get_json(second, "/v1/jobs/" + id + "?wait_ms=30000");
  CHECK(job["status"] == "failed");
  CHECK(job["attempts"] == 1);
  CHECK_THAT(job["error"].get<std::string>(), Catch::Contains("no attempts remain"));
  CHECK(attempts_started({dir.file("first.log"), dir.file("second.log")})[id] == 1);
  second.proc.signal(SIGKILL);
}
