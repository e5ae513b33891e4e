// troupe-node-bench: what running jobs on a worker node costs, on loopback,
// in one run (docs/benchmarks.md, "Worker nodes").
//
// 1. Throughput of `echo` (no work: the protocol's cost) and `sha256` (CPU
//    work) with all workers local, then with no local worker and one node
//    (`troupe worker`, the binary beside this one) bringing as many workers
//    with the same prefetch; rounds alternate, and each round's ratio is
//    remote / local.
// 2. How long the server takes to re-queue a node's jobs after the node is
//    killed (SIGKILL) and after it hangs (SIGSTOP), 5 runs each, with the
//    default heartbeat (500 ms) and timeout (2000 ms).
//
// The engine runs in this process (memory store) and is driven through its
// actor protocol, so the figures are the engine's and the node link's, not
// HTTP's.
#include "bench_support.hpp"

#include <troupe/builtin_handlers.hpp>
#include <troupe/engine.hpp>
#include <troupe/protocol.hpp>
#include <troupe/supervisor.hpp>
#include <troupe/worker_node.hpp>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace {

using namespace std::chrono;

struct options {
  size_t workers = 2;
  size_t prefetch = 64;
  size_t echo_jobs = 100000;
  size_t sha_jobs = 2000;
  int64_t sha_rounds = 10000;
  int rounds = 2;
  int failure_runs = 5;
};

std::string troupe_binary() {
  return (std::filesystem::read_symlink("/proc/self/exe").parent_path() / "troupe").string();
}

/// A `troupe worker` joining `port`; killed when destroyed.
class node_process {
public:
  node_process(uint16_t port, const options& opt) {
    pid_ = fork();
    if (pid_ == 0) {
      auto binary = troupe_binary();
      auto join = "127.0.0.1:" + std::to_string(port);
      auto workers = std::to_string(opt.workers);
      auto prefetch = std::to_string(opt.prefetch);
      execl(binary.c_str(), binary.c_str(), "worker", "--join", join.c_str(), "--name", "bench",
            "--workers", workers.c_str(), "--prefetch", prefetch.c_str(), nullptr);
      _exit(127);
    }
  }

  ~node_process() {
    kill(pid_, SIGKILL);
    kill(pid_, SIGCONT);
    waitpid(pid_, nullptr, 0);
  }

  void signal(int sig) { kill(pid_, sig); }

private:
  pid_t pid_;
};

nlohmann::json stats_of(caf::actor_system& sys, const caf::actor& supervisor) {
  nlohmann::json result;
  caf::scoped_actor self{sys};
  self->request(supervisor, seconds{60}, troupe::stats_atom::value)
    .receive([&](std::string& json) { result = nlohmann::json::parse(json); },
             [&](caf::error& err) { throw std::runtime_error(troupe::describe(err)); });
  return result;
}

/// Polls the stats until `pred` holds (a benchmark may spin: it measures).
template <class Pred>
duration<double, std::milli> until(caf::actor_system& sys, const caf::actor& supervisor,
                                   Pred pred) {
  auto start = steady_clock::now();
  while (!pred(stats_of(sys, supervisor)))
    std::this_thread::sleep_for(milliseconds{1});
  return steady_clock::now() - start;
}

/// An engine in this process, with `local_workers` local workers and a node
/// gateway on loopback.
struct bench_engine {
  bench_engine(const options& opt, size_t local_workers) : sys(configured(cfg)) {
    troupe::engine_config config;
    config.workers = local_workers;
    config.prefetch = opt.prefetch;
    config.queue_capacity = 10000000;
    config.backoff_base = milliseconds{1};
    auto handlers = std::make_shared<troupe::handler_registry>();
    troupe::register_builtin_handlers(*handlers);
    supervisor = *troupe::spawn_supervisor(sys, config, handlers);
    nodes = std::move(*troupe::serve_nodes(sys, supervisor, {}, "127.0.0.1", 0));
    port = nodes->port();
  }

  ~bench_engine() {
    caf::scoped_actor self{sys};
    self->request(supervisor, seconds{60}, troupe::drain_atom::value, int64_t{0})
      .receive([](std::string&) {}, [](caf::error&) {});
    self->monitor(supervisor);
    self->send_exit(supervisor, caf::exit_reason::user_shutdown);
    self->receive([](const caf::down_msg&) {});
    nodes.reset();
  }

  /// Each engine has an actor system of its own, so that tearing one down
  /// cannot disturb the next.
  static caf::actor_system_config& configured(caf::actor_system_config& cfg) {
    troupe::configure_system(cfg);
    troupe::configure_nodes(cfg, {});
    cfg.set("scheduler.max-threads", 2);
    return cfg;
  }

  void submit(const std::string& type, const std::string& payload, size_t n) {
    caf::scoped_actor self{sys};
    constexpr size_t batch = 512;
    for (size_t sent = 0; sent < n; sent += batch) {
      std::vector<troupe::job_request> jobs(std::min(batch, n - sent),
                                            troupe::job_request{type, payload, {}});
      self->request(supervisor, seconds{60}, troupe::submit_many_atom::value, std::move(jobs))
        .receive([](std::vector<troupe::submit_outcome>&) {},
                 [](caf::error& err) { throw std::runtime_error(troupe::describe(err)); });
    }
  }

  caf::actor_system_config cfg;
  caf::actor_system sys;
  caf::actor supervisor;
  std::unique_ptr<troupe::node_port> nodes;
  uint16_t port = 0;
};

/// Jobs per second for `n` jobs of `type`, all local or on one node.
double throughput(const options& opt, bool remote, const std::string& type,
                  const std::string& payload, size_t n) {
  bench_engine engine{opt, remote ? 0 : opt.workers};
  std::unique_ptr<node_process> node;
  if (remote) {
    node = std::make_unique<node_process>(engine.port, opt);
    until(engine.sys, engine.supervisor,
          [&](const nlohmann::json& s) { return s["workers"]["total"] == opt.workers; });
  }
  auto start = steady_clock::now();
  engine.submit(type, payload, n);
  until(engine.sys, engine.supervisor,
        [&](const nlohmann::json& s) { return s["jobs"]["success"] == n; });
  return static_cast<double>(n) / duration<double>(steady_clock::now() - start).count();
}

/// Milliseconds from `sig` to a node holding running jobs until the server
/// counts it lost (and has re-queued its jobs).
double requeue_ms(const options& opt, int sig) {
  bench_engine engine{opt, 0};
  node_process node{engine.port, opt};
  until(engine.sys, engine.supervisor,
        [&](const nlohmann::json& s) { return s["workers"]["total"] == opt.workers; });
  engine.submit("sleep", R"({"ms":60000})", opt.workers);
  until(engine.sys, engine.supervisor,
        [&](const nlohmann::json& s) { return s["workers"]["busy"] == opt.workers; });
  node.signal(sig);
  return until(engine.sys, engine.supervisor,
               [](const nlohmann::json& s) { return s["nodes"]["losses"] == 1; })
    .count();
}

void report(const std::string& what, std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  std::cout << what << ": min " << ms.front() << " ms, median " << ms[ms.size() / 2] << " ms, max "
            << ms.back() << " ms (" << ms.size() << " runs)" << std::endl;
}

} // namespace

int main(int argc, char** argv) {
  options opt;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    auto value = std::stoull(argv[i + 1]);
    if (flag == "--workers")
      opt.workers = value;
    else if (flag == "--prefetch")
      opt.prefetch = value;
    else if (flag == "--echo-jobs")
      opt.echo_jobs = value;
    else if (flag == "--sha-jobs")
      opt.sha_jobs = value;
    else if (flag == "--rounds")
      opt.rounds = static_cast<int>(value);
    else if (flag == "--failure-runs")
      opt.failure_runs = static_cast<int>(value);
    else {
      std::cerr << "usage: troupe-node-bench [--workers N] [--prefetch N] [--echo-jobs N] "
                   "[--sha-jobs N] [--rounds N] [--failure-runs N]\n";
      return 2;
    }
  }
  std::signal(SIGPIPE, SIG_IGN);
  std::cout << "workers " << opt.workers << ", prefetch " << opt.prefetch << std::endl;
  auto sha = R"({"data":"bench","rounds":)" + std::to_string(opt.sha_rounds) + "}";
  for (int round = 1; round <= opt.rounds; ++round) {
    auto local_echo = throughput(opt, false, "echo", "null", opt.echo_jobs);
    auto remote_echo = throughput(opt, true, "echo", "null", opt.echo_jobs);
    auto local_sha = throughput(opt, false, "sha256", sha, opt.sha_jobs);
    auto remote_sha = throughput(opt, true, "sha256", sha, opt.sha_jobs);
    std::cout << "round " << round << ": echo local " << static_cast<int>(local_echo)
              << " jobs/s, node " << static_cast<int>(remote_echo) << " jobs/s ("
              << remote_echo / local_echo << "x); sha256 (" << opt.sha_rounds << " rounds) local "
              << static_cast<int>(local_sha) << " jobs/s, node " << static_cast<int>(remote_sha)
              << " jobs/s (" << remote_sha / local_sha << "x)" << std::endl;
  }
  std::vector<double> killed, stopped;
  for (int run = 0; run < opt.failure_runs; ++run) {
    killed.push_back(requeue_ms(opt, SIGKILL));
    stopped.push_back(requeue_ms(opt, SIGSTOP));
  }
  report("SIGKILL -> re-queued", killed);
  report("SIGSTOP -> re-queued", stopped);
}
