// troupe-bench: the engine's throughput, latency and memory, through the actor
// protocol, with the memory store and then with the durable SQLite store in
// the same run. Run with no arguments for the default run recorded in
// docs/benchmarks.md; `--help` lists the knobs.
//
// 1. Throughput: one client actor submits N no-op jobs with `submit_many`,
//    keeping a bounded window of batches in flight; the clock stops when the
//    handler has run the N-th job and the engine counts N successes. Context
//    switches (all threads of this process, getrusage) per job.
// 2. Latency: a client submits at a fixed rate, watches each job, and records
//    submit → acknowledgement and submit → finished-message times.
// 3. Backlog: resident set growth per pending job, with the workers held busy
//    while a large backlog is queued (memory store).
// 4. Finished jobs kept until their TTL, on a real `troupe serve` (the binary
//    beside this one) fed over HTTP: resident set growth per finished job.
// 5. The size of the SQLite file per 100,000 retained finished jobs.
//
// With `--postgres URI` (a throw-away database), the PostgreSQL store runs
// third in phases 1 and 2.
//
// The SQLite files live in `--store-dir` (default: a fresh directory under
// /tmp), removed afterwards.
#include "bench_support.hpp"

#include <troupe/builtin_handlers.hpp>
#include <troupe/engine.hpp>
#include <troupe/errors.hpp>
#include <troupe/protocol.hpp>
#include <troupe/supervisor.hpp>

#include <caf/all.hpp>
#include <libpq-fe.h>

#include <atomic>
#include <deque>
#include <filesystem>
#include <future>
#include <iostream>
#include <sys/resource.h>
#include <unistd.h>

namespace {

using namespace std::chrono;
using namespace troupe::bench;

struct options {
  size_t jobs = 200000;
  size_t workers = 2;
  size_t prefetch = 64;
  size_t batch = 512;
  size_t window = 8;
  size_t rate = 10000;
  size_t latency_jobs = 20000;
  size_t backlog_jobs = 1000000;
  size_t served_jobs = 60000;
  /// 0: as `troupe serve` (configure_system: half the hardware threads).
  size_t scheduler_threads = 0;
  std::string scheduler = "sharing";
  std::string store_dir;
  std::string phases = "throughput,latency,backlog,served";
  std::string stores = "memory,sqlite";
  /// A throw-away PostgreSQL database (its troupe tables are dropped before
  /// each phase); with it, the postgres store runs too.
  std::string postgres;
  troupe::sync_mode sync = troupe::sync_mode::normal;
};

/// One of the stores a run compares.
struct store_choice {
  std::string label;
  /// For `troupe::open_store`; a fresh sqlite file per phase.
  std::string spec;
};

/// Counts the jobs its handler ran and says when the n-th one did.
struct completion {
  std::atomic<size_t> ran{0};
  size_t expected = 0;
  std::promise<void> reached;
};

/// Each phase runs in an actor system of its own, so that tearing down one
/// phase's actors cannot disturb the next.
std::unique_ptr<caf::actor_system_config> system_config(const options& opt) {
  auto cfg = std::make_unique<caf::actor_system_config>();
  troupe::configure_system(*cfg);
  if (opt.scheduler_threads != 0)
    cfg->set("scheduler.max-threads", opt.scheduler_threads);
  cfg->set("scheduler.policy", caf::atom_from_string(opt.scheduler));
  return cfg;
}

/// Empties the store of an earlier phase: the SQLite file, or the PostgreSQL
/// database's troupe tables.
void start_afresh(const store_choice& store) {
  if (store.label == "sqlite")
    std::filesystem::remove(store.spec.substr(store.spec.find(':') + 1));
  if (store.label != "postgres")
    return;
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn{PQconnectdb(store.spec.c_str()), &PQfinish};
  PQclear(PQexec(conn.get(),
                 "SET client_min_messages = warning; "
                 "DROP TABLE IF EXISTS troupe_jobs, troupe_group_limits, troupe_schema, "
                 "troupe_leader; DROP FUNCTION IF EXISTS troupe_fence"));
}

caf::actor start_engine(caf::actor_system& sys, const options& opt, size_t capacity,
                        const store_choice& store, std::shared_ptr<completion> done,
                        std::shared_ptr<std::shared_future<void>> gate = nullptr) {
  start_afresh(store);
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
  handlers->add("noop", [done](troupe::job_context&) -> nlohmann::json {
    if (++done->ran == done->expected)
      done->reached.set_value();
    return nullptr;
  });
  handlers->add("hold", [gate](troupe::job_context&) -> nlohmann::json {
    gate->wait();
    return nullptr;
  });
  return *troupe::spawn_supervisor(sys, config, handlers);
}

troupe::engine_stats stats_of(caf::actor_system& sys, const caf::actor& supervisor) {
  troupe::engine_stats result;
  caf::scoped_actor self{sys};
  self->request(supervisor, seconds{60}, troupe::stats_atom::value)
    .receive(
      [&](std::string& json) { result = nlohmann::json::parse(json).get<troupe::engine_stats>(); },
      [&](caf::error& err) { throw std::runtime_error(troupe::describe(err)); });
  return result;
}

void stop_engine(caf::actor_system& sys, const caf::actor& supervisor) {
  caf::scoped_actor self{sys};
  self->request(supervisor, seconds{120}, troupe::drain_atom::value, int64_t{0})
    .receive([](std::string&) {}, [](caf::error&) {});
  // The supervisor terminates once its store is closed.
  self->monitor(supervisor);
  self->send_exit(supervisor, caf::exit_reason::user_shutdown);
  self->receive([](const caf::down_msg&) {});
}

/// Submits `n` jobs of `type` in batches of `batch`, at most `window` batches
/// unanswered; says when all are acknowledged. Plain sends: the answers come
/// back as ordinary messages, so the client keeps no per-request state.
struct flood_state {
  size_t sent = 0;
  size_t acknowledged = 0;
  static inline const char* name = "bench.flood";
};

caf::behavior flood(caf::stateful_actor<flood_state>* self, caf::actor supervisor, std::string type,
                    size_t n, size_t batch, size_t window,
                    std::shared_ptr<std::promise<void>> acknowledged) {
  auto send_batch = [=] {
    auto& st = self->state;
    auto count = std::min(batch, n - st.sent);
    std::vector<troupe::job_request> jobs(count, troupe::job_request{type, "null", {}});
    st.sent += count;
    self->send(supervisor, troupe::submit_many_atom::value, std::move(jobs));
  };
  for (size_t i = 0; i < window && self->state.sent < n; ++i)
    send_batch();
  return {
    [=](std::vector<troupe::submit_outcome>& outcomes) {
      auto& st = self->state;
      for (auto& o : outcomes)
        if (o.error)
          std::cerr << "submit refused: " << troupe::describe(o.error) << std::endl;
      st.acknowledged += outcomes.size();
      if (st.sent < n)
        send_batch();
      else if (st.acknowledged == n) {
        acknowledged->set_value();
        self->quit();
      }
    },
    [](caf::error& err) { std::cerr << "submit failed: " << troupe::describe(err) << std::endl; },
  };
}

/// Submits and waits for all acknowledgements.
void submit_all(caf::actor_system& sys, const caf::actor& supervisor, const options& opt,
                const std::string& type, size_t n) {
  auto acknowledged = std::make_shared<std::promise<void>>();
  auto done = acknowledged->get_future();
  sys.spawn(flood, supervisor, type, n, opt.batch, opt.window, acknowledged);
  done.wait();
}

uint64_t context_switches() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<uint64_t>(usage.ru_nvcsw + usage.ru_nivcsw);
}

struct throughput_result {
  double jobs_per_second;
  double switches_per_job;
  troupe::engine_stats stats;
};

throughput_result throughput(const options& opt, const store_choice& store) {
  auto cfg = system_config(opt);
  caf::actor_system sys{*cfg};
  auto done = std::make_shared<completion>();
  done->expected = opt.jobs;
  auto supervisor = start_engine(sys, opt, opt.jobs, store, done);
  auto reached = done->reached.get_future();
  auto switches = context_switches();
  auto start = steady_clock::now();
  auto acknowledged = std::make_shared<std::promise<void>>();
  sys.spawn(flood, supervisor, std::string{"noop"}, opt.jobs, opt.batch, opt.window, acknowledged);
  reached.wait();
  auto stats = stats_of(sys, supervisor);
  while (stats.jobs.success < opt.jobs) { // the last reports are on their way
    std::this_thread::sleep_for(milliseconds{1});
    stats = stats_of(sys, supervisor);
  }
  auto elapsed = duration<double>(steady_clock::now() - start).count();
  auto switched = context_switches() - switches;
  stop_engine(sys, supervisor);
  return {static_cast<double>(opt.jobs) / elapsed,
          static_cast<double>(switched) / static_cast<double>(opt.jobs), stats};
}

std::pair<percentiles, percentiles> latency(const options& opt, const store_choice& store) {
  auto cfg = system_config(opt);
  caf::actor_system sys{*cfg};
  auto supervisor = start_engine(sys, opt, 100000, store, std::make_shared<completion>());
  auto measured = measure_latency(sys, supervisor, opt.rate, opt.latency_jobs);
  stop_engine(sys, supervisor);
  return {percentiles_of(std::move(measured.acknowledged)),
          percentiles_of(std::move(measured.finished))};
}

/// RSS growth per pending job: the workers are held busy by `hold` jobs while
/// the backlog is queued.
double bytes_per_pending_job(const options& opt) {
  auto cfg = system_config(opt);
  caf::actor_system sys{*cfg};
  std::promise<void> open;
  auto gate = std::make_shared<std::shared_future<void>>(open.get_future().share());
  auto supervisor = start_engine(sys, opt, opt.backlog_jobs + 1000, {"memory", "memory"},
                                 std::make_shared<completion>(), gate);
  submit_all(sys, supervisor, opt, "hold", opt.workers);
  while (stats_of(sys, supervisor).workers.busy < opt.workers)
    std::this_thread::sleep_for(milliseconds{1});
  auto before = resident_bytes();
  submit_all(sys, supervisor, opt, "echo", opt.backlog_jobs);
  auto pending = stats_of(sys, supervisor).jobs.pending;
  auto after = resident_bytes();
  open.set_value();
  stop_engine(sys, supervisor);
  return static_cast<double>(after - before) / static_cast<double>(pending);
}

options parse(int argc, char** argv) {
  options opt;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto text = [&]() -> std::string {
      if (i + 1 >= argc)
        throw std::invalid_argument(arg + " needs a value");
      return argv[++i];
    };
    auto value = [&]() -> size_t { return std::stoul(text()); };
    if (arg == "--jobs")
      opt.jobs = value();
    else if (arg == "--workers")
      opt.workers = value();
    else if (arg == "--prefetch")
      opt.prefetch = value();
    else if (arg == "--batch")
      opt.batch = value();
    else if (arg == "--window")
      opt.window = value();
    else if (arg == "--rate")
      opt.rate = value();
    else if (arg == "--latency-jobs")
      opt.latency_jobs = value();
    else if (arg == "--backlog-jobs")
      opt.backlog_jobs = value();
    else if (arg == "--served-jobs")
      opt.served_jobs = value();
    else if (arg == "--scheduler-threads")
      opt.scheduler_threads = value();
    else if (arg == "--scheduler")
      opt.scheduler = text();
    else if (arg == "--store-dir")
      opt.store_dir = text();
    else if (arg == "--phases")
      opt.phases = text();
    else if (arg == "--stores")
      opt.stores = text();
    else if (arg == "--postgres")
      opt.postgres = text();
    else if (arg == "--sync")
      opt.sync = text() == "full" ? troupe::sync_mode::full : troupe::sync_mode::normal;
    else
      throw std::invalid_argument(
        "usage: troupe-bench [--jobs N] [--workers N] [--prefetch N] [--batch N] [--window N]"
        " [--rate JOBS_PER_S] [--latency-jobs N] [--backlog-jobs N] [--served-jobs N]"
        " [--scheduler-threads N] [--scheduler sharing|stealing] [--store-dir DIR]"
        " [--sync normal|full] [--phases throughput,latency,backlog,served]"
        " [--stores memory,sqlite] [--postgres URI]");
  }
  return opt;
}

bool wanted(const options& opt, const std::string& phase) {
  return opt.phases.find(phase) != std::string::npos;
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
  std::vector<store_choice> stores;
  for (store_choice s : {store_choice{"memory", "memory"}, store_choice{"sqlite", "sqlite:" + db}})
    if (opt.stores.find(s.label) != std::string::npos)
      stores.push_back(s);
  if (!opt.postgres.empty())
    stores.push_back(store_choice{"postgres", opt.postgres});

  if (wanted(opt, "throughput")) {
    std::cout << "throughput: " << opt.jobs << " no-op jobs, " << opt.workers
              << " workers, prefetch " << opt.prefetch << ", submit_many batches of " << opt.batch
              << " (window " << opt.window << "), scheduler " << opt.scheduler << ", sqlite sync "
              << (opt.sync == troupe::sync_mode::full ? "full" : "normal") << std::endl;
    std::vector<double> rates;
    for (auto& store : stores) {
      auto result = throughput(opt, store);
      rates.push_back(result.jobs_per_second);
      std::cout << "  " << store.label << ": " << static_cast<size_t>(rates.back()) << " jobs/s ("
                << result.stats.store.commits << " commits, "
                << result.stats.store.writes / std::max<uint64_t>(1, result.stats.store.commits)
                << " writes per commit, " << result.switches_per_job << " context switches per job)"
                << std::endl;
    }
    // The engine closed the file after the throughput run: the WAL is folded
    // in, and what remains is the retained jobs.
    if (stores.size() == 3)
      std::cout << "  postgres/sqlite: " << rates[2] / rates[1] << "x" << std::endl;
    if (stores.size() >= 2) {
      auto file_bytes = static_cast<double>(std::filesystem::file_size(db));
      std::cout << "  sqlite/memory: " << rates[1] / rates[0] << "x\n"
                << "sqlite file: "
                << static_cast<size_t>(file_bytes / static_cast<double>(opt.jobs) * 100000)
                << " bytes per 100,000 retained jobs" << std::endl;
    }
  }
  if (wanted(opt, "latency")) {
    std::cout << "latency at " << opt.rate << " jobs/s (" << opt.latency_jobs
              << " jobs), submit→ack and submit→finished:" << std::endl;
    for (auto& store : stores) {
      auto [ack, finished] = latency(opt, store);
      std::cout << "  " << store.label << ": ack p50 " << ack.p50 << " ms, p99 " << ack.p99
                << " ms; finished p50 " << finished.p50 << " ms, p99 " << finished.p99 << " ms"
                << std::endl;
    }
  }
  if (wanted(opt, "backlog"))
    std::cout << "backlog: " << static_cast<size_t>(bytes_per_pending_job(opt))
              << " bytes RSS per pending job (" << opt.backlog_jobs << " queued)" << std::endl;
  if (wanted(opt, "served")) {
    auto binary = std::filesystem::path{argv[0]}.parent_path() / "troupe";
    std::cout << "troupe serve, RSS per finished job kept for its TTL (" << opt.served_jobs
              << " echo jobs over HTTP):" << std::endl;
    for (auto& store : stores) {
      if (store.label == "postgres")
        continue;
      auto spec = store.label == "memory" ? store.spec : "sqlite:" + opt.store_dir + "/served.db";
      auto bytes = served_bytes_per_finished_job(binary.string(), spec, opt.served_jobs);
      std::cout << "  " << store.label << ": " << static_cast<long>(bytes) << " bytes" << std::endl;
    }
  }
  if (own_dir)
    std::filesystem::remove_all(opt.store_dir);
  return 0;
}
