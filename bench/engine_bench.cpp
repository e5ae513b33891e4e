// troupe-bench: the engine's throughput, latency and memory, through the actor
// protocol, with the memory store and then with the durable SQLite store in
// the same run. Run with no arguments for the default run recorded in
// docs/benchmarks.md; `--help` lists the knobs.
//
// 1. Memory: resident set growth per finished job kept for its result TTL
//    (memory store).
// 2. Latency: a client submits at a fixed rate, watches each job, and records
//    submit → acknowledgement and submit → finished-message times.
// 3. Throughput: one client actor pipelines N `echo` submissions to the
//    supervisor; the clock stops when the engine counts N successes.
// 4. The size of the SQLite file per 100,000 retained finished jobs.
//
// Latency and throughput run once per store; the SQLite file lives in
// `--store-dir` (default: a fresh directory under /tmp), removed afterwards.
#include <troupe/builtin_handlers.hpp>
#include <troupe/engine.hpp>
#include <troupe/protocol.hpp>
#include <troupe/supervisor.hpp>

#include <caf/all.hpp>

#include <algorithm>
#include <deque>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <thread>
#include <unistd.h>

namespace {

using namespace std::chrono;
using troupe::engine_stats;

struct options {
  size_t jobs = 200000;
  size_t workers = 2;
  size_t prefetch = 1;
  size_t rate = 10000;
  size_t latency_jobs = 20000;
  size_t memory_jobs = 100000;
  size_t scheduler_threads = 2;
  std::string scheduler = "sharing";
  std::string store_dir;
  troupe::sync_mode sync = troupe::sync_mode::normal;
};

/// One of the stores a run compares.
struct store_choice {
  std::string label;
  /// For `troupe::open_store`; a fresh sqlite file per phase.
  std::string spec;
};

size_t resident_bytes() {
  std::ifstream statm{"/proc/self/statm"};
  size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

engine_stats stats_of(caf::actor_system& sys, const caf::actor& supervisor) {
  engine_stats result;
  caf::scoped_actor self{sys};
  self->request(supervisor, seconds{30}, troupe::stats_atom::value)
    .receive([&](std::string& json) { result = engine_stats::from_json(json); },
             [&](caf::error& err) { throw std::runtime_error(troupe::describe(err)); });
  return result;
}

/// Blocks until the engine has finished `n` jobs successfully.
void await_successes(caf::actor_system& sys, const caf::actor& supervisor, size_t n) {
  while (stats_of(sys, supervisor).success < n)
    std::this_thread::sleep_for(milliseconds{1});
}

/// Each phase runs in an actor system of its own, so that tearing down one
/// phase's actors cannot disturb the next.
std::unique_ptr<caf::actor_system_config> system_config(const options& opt) {
  auto cfg = std::make_unique<caf::actor_system_config>();
  cfg->set("scheduler.max-threads", opt.scheduler_threads);
  cfg->set("scheduler.policy", caf::atom_from_string(opt.scheduler));
  return cfg;
}

caf::actor start_engine(caf::actor_system& sys, const options& opt, size_t capacity,
                        const store_choice& store) {
  std::filesystem::remove(store.spec.substr(store.spec.find(':') + 1));
  troupe::store_options store_opts;
  store_opts.sync = opt.sync;
  auto opened = troupe::open_store(store.spec, store_opts);
  if (!opened)
    throw std::runtime_error(troupe::describe(opened.error()));
  troupe::engine_config config;
  config.workers = opt.workers;
  config.prefetch = opt.prefetch;
  config.queue_capacity = capacity;
  config.store = *opened;
  auto handlers = std::make_shared<troupe::handler_registry>();
  troupe::register_builtin_handlers(*handlers);
  return *troupe::spawn_supervisor(sys, config, handlers);
}

void stop_engine(caf::actor_system& sys, const caf::actor& supervisor) {
  caf::scoped_actor self{sys};
  self->request(supervisor, seconds{60}, troupe::drain_atom::value, int64_t{1000})
    .receive([](std::string&) {}, [](caf::error&) {});
  // The supervisor terminates once its store is closed.
  self->monitor(supervisor);
  self->send_exit(supervisor, caf::exit_reason::user_shutdown);
  self->receive([](const caf::down_msg&) {});
}

/// Submits `n` echo jobs as fast as the supervisor takes them. Plain sends:
/// the supervisor's replies come back as ordinary messages, so the client
/// keeps no per-request state (CAF 0.17 keeps pending requests in a flat
/// vector, which makes 200k outstanding requests quadratic).
caf::behavior flood(caf::event_based_actor* self, caf::actor supervisor, size_t n) {
  for (size_t i = 0; i < n; ++i)
    self->send(supervisor, troupe::submit_atom::value, std::string{"echo"}, std::string{"null"},
               troupe::job_options{});
  return {
    [](const std::string&, bool) {},
    [](caf::error& err) { std::cerr << "submit failed: " << troupe::describe(err) << std::endl; },
  };
}

struct throughput_result {
  double jobs_per_second;
  /// The engine's counters when the last job had finished.
  engine_stats stats;
};

throughput_result throughput(const options& opt, const store_choice& store) {
  auto cfg = system_config(opt);
  caf::actor_system sys{*cfg};
  auto supervisor = start_engine(sys, opt, opt.jobs, store);
  auto start = steady_clock::now();
  sys.spawn(flood, supervisor, opt.jobs);
  await_successes(sys, supervisor, opt.jobs);
  auto elapsed = duration<double>(steady_clock::now() - start).count();
  auto stats = stats_of(sys, supervisor);
  stop_engine(sys, supervisor);
  return {static_cast<double>(opt.jobs) / elapsed, stats};
}

/// Latencies of one paced run, in microseconds.
struct latencies {
  std::vector<double> acknowledged;
  std::vector<double> finished;
};

struct pacer_state {
  latencies measured;
  /// Send times of submissions not yet answered; answers come in order.
  std::deque<steady_clock::time_point> unanswered;
  std::unordered_map<std::string, steady_clock::time_point> sent;
  size_t submitted = 0;
  steady_clock::time_point start;
  static inline const char* name = "bench.pacer";
};

/// Submits at `rate` jobs/s, watches each job, and records its latency. Plain
/// sends, as in `flood`: the answers arrive as ordinary messages.
caf::behavior pacer(caf::stateful_actor<pacer_state>* self, caf::actor supervisor, size_t rate,
                    size_t total, std::shared_ptr<std::promise<latencies>> done) {
  using tick_atom = caf::atom_constant<caf::atom("tick")>;
  self->state.start = steady_clock::now();
  self->send(self, tick_atom::value);
  return {
    [=](tick_atom) {
      auto& st = self->state;
      auto due =
        std::min(total, static_cast<size_t>(duration<double>(steady_clock::now() - st.start).count()
                                            * static_cast<double>(rate)));
      for (; st.submitted < due; ++st.submitted) {
        st.unanswered.push_back(steady_clock::now());
        self->send(supervisor, troupe::submit_atom::value, std::string{"echo"}, std::string{"null"},
                   troupe::job_options{});
      }
      if (st.submitted < total)
        self->delayed_send(self, milliseconds{1}, tick_atom::value);
    },
    [=](std::string& id, bool) {
      auto& st = self->state;
      st.measured.acknowledged.push_back(
        duration<double, std::micro>(steady_clock::now() - st.unanswered.front()).count());
      st.sent.emplace(id, st.unanswered.front());
      st.unanswered.pop_front();
      self->send(supervisor, troupe::watch_atom::value, std::move(id));
    },
    [](caf::ok_atom) {},
    [=](troupe::finished_atom, const std::string& job_json) {
      auto& st = self->state;
      auto id = nlohmann::json::parse(job_json).at("id").get<std::string>();
      auto i = st.sent.find(id);
      st.measured.finished.push_back(
        duration<double, std::micro>(steady_clock::now() - i->second).count());
      st.sent.erase(i);
      if (st.measured.finished.size() == total) {
        done->set_value(std::move(st.measured));
        self->quit();
      }
    },
  };
}

/// The median and the 99th percentile, in milliseconds.
struct percentiles {
  double p50;
  double p99;
};

percentiles percentiles_of(std::vector<double> us) {
  std::sort(us.begin(), us.end());
  auto at = [&](double q) {
    return us[static_cast<size_t>(q * static_cast<double>(us.size() - 1))] / 1000;
  };
  return {at(0.50), at(0.99)};
}

std::pair<percentiles, percentiles> latency(const options& opt, const store_choice& store) {
  auto cfg = system_config(opt);
  caf::actor_system sys{*cfg};
  auto supervisor = start_engine(sys, opt, 100000, store);
  auto done = std::make_shared<std::promise<latencies>>();
  auto result = done->get_future();
  sys.spawn(pacer, supervisor, opt.rate, opt.latency_jobs, done);
  auto measured = result.get();
  stop_engine(sys, supervisor);
  return {percentiles_of(std::move(measured.acknowledged)),
          percentiles_of(std::move(measured.finished))};
}

double bytes_per_retained_job(const options& opt) {
  auto cfg = system_config(opt);
  caf::actor_system sys{*cfg};
  auto supervisor = start_engine(sys, opt, opt.memory_jobs, {"memory", "memory"});
  stats_of(sys, supervisor);
  auto before = resident_bytes();
  sys.spawn(flood, supervisor, opt.memory_jobs);
  await_successes(sys, supervisor, opt.memory_jobs);
  auto after = resident_bytes();
  stop_engine(sys, supervisor);
  return static_cast<double>(after - before) / static_cast<double>(opt.memory_jobs);
}

options parse(int argc, char** argv) {
  options opt;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> size_t {
      if (i + 1 >= argc)
        throw std::invalid_argument(arg + " needs a value");
      return std::stoul(argv[++i]);
    };
    if (arg == "--jobs")
      opt.jobs = value();
    else if (arg == "--workers")
      opt.workers = value();
    else if (arg == "--prefetch")
      opt.prefetch = value();
    else if (arg == "--rate")
      opt.rate = value();
    else if (arg == "--latency-jobs")
      opt.latency_jobs = value();
    else if (arg == "--memory-jobs")
      opt.memory_jobs = value();
    else if (arg == "--scheduler-threads")
      opt.scheduler_threads = value();
    else if (arg == "--scheduler" && i + 1 < argc)
      opt.scheduler = argv[++i];
    else if (arg == "--store-dir" && i + 1 < argc)
      opt.store_dir = argv[++i];
    else if (arg == "--sync" && i + 1 < argc)
      opt.sync =
        std::string{argv[++i]} == "full" ? troupe::sync_mode::full : troupe::sync_mode::normal;
    else
      throw std::invalid_argument(
        "usage: troupe-bench [--jobs N] [--workers N] [--prefetch N] [--rate JOBS_PER_S]"
        " [--latency-jobs N] [--memory-jobs N] [--scheduler-threads N]"
        " [--scheduler sharing|stealing] [--store-dir DIR] [--sync normal|full]");
  }
  return opt;
}

} // namespace

int main(int argc, char** argv) {
  options opt;
  try {
    opt = parse(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << e.what() << std::endl;
    return 2;
  }
  bool own_dir = opt.store_dir.empty();
  if (own_dir)
    opt.store_dir = "/tmp/troupe-bench-" + std::to_string(::getpid());
  std::filesystem::create_directories(opt.store_dir);
  auto db = opt.store_dir + "/bench.db";
  const std::vector<store_choice> stores{{"memory", "memory"}, {"sqlite", "sqlite:" + db}};

  auto memory = bytes_per_retained_job(opt);
  std::cout << "memory: " << static_cast<size_t>(memory) << " bytes RSS per retained job ("
            << opt.memory_jobs << " jobs)" << std::endl;
  std::cout << "latency at " << opt.rate << " jobs/s (" << opt.latency_jobs
            << " jobs), submit→ack and submit→finished:" << std::endl;
  for (auto& store : stores) {
    auto [ack, finished] = latency(opt, store);
    std::cout << "  " << store.label << ": ack p50 " << ack.p50 << " ms, p99 " << ack.p99
              << " ms; finished p50 " << finished.p50 << " ms, p99 " << finished.p99 << " ms"
              << std::endl;
  }
  std::cout << "throughput: " << opt.jobs << " echo jobs, " << opt.workers << " workers, prefetch "
            << opt.prefetch << ", scheduler " << opt.scheduler << ", sqlite sync "
            << (opt.sync == troupe::sync_mode::full ? "full" : "normal") << std::endl;
  std::vector<double> rates;
  for (auto& store : stores) {
    auto result = throughput(opt, store);
    rates.push_back(result.jobs_per_second);
    std::cout << "  " << store.label << ": " << static_cast<size_t>(rates.back())
              << " jobs/s (" << result.stats.store_commits << " commits, "
              << result.stats.store_writes / std::max<uint64_t>(1, result.stats.store_commits)
              << " writes per commit)" << std::endl;
  }
  // The engine closed the file after the throughput run: the WAL is folded
  // in, and what remains is the retained jobs.
  auto file_bytes = static_cast<double>(std::filesystem::file_size(db));
  std::cout << "  sqlite/memory: " << rates[1] / rates[0] << "x\n"
            << "sqlite file: "
            << static_cast<size_t>(file_bytes / static_cast<double>(opt.jobs) * 100000)
            << " bytes per 100,000 retained jobs (" << static_cast<size_t>(file_bytes)
            << " bytes for " << opt.jobs << ")" << std::endl;
  if (own_dir)
    std::filesystem::remove_all(opt.store_dir);
  return 0;
}
