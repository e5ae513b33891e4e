// troupe-bench: the engine's throughput, latency and memory, through the actor
// protocol and with the memory store. Run with no arguments for the default
// run recorded in docs/benchmarks.md; `--help` lists the knobs.
//
// 1. Throughput: one client actor pipelines N `echo` submissions to the
//    supervisor; the clock stops when the engine counts N successes.
// 2. Latency: a client submits at a fixed rate, watches each job, and records
//    submit → finished-message time.
// 3. Memory: resident set growth per finished job kept for its result TTL.
#include <troupe/builtin_handlers.hpp>
#include <troupe/engine.hpp>
#include <troupe/protocol.hpp>
#include <troupe/supervisor.hpp>

#include <caf/all.hpp>

#include <algorithm>
#include <deque>
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

caf::actor start_engine(caf::actor_system& sys, const options& opt, size_t capacity) {
  troupe::engine_config config;
  config.workers = opt.workers;
  config.prefetch = opt.prefetch;
  config.queue_capacity = capacity;
  auto handlers = std::make_shared<troupe::handler_registry>();
  troupe::register_builtin_handlers(*handlers);
  return *troupe::spawn_supervisor(sys, config, handlers);
}

void stop_engine(caf::actor_system& sys, const caf::actor& supervisor) {
  caf::scoped_actor self{sys};
  self->request(supervisor, seconds{60}, troupe::drain_atom::value, int64_t{1000})
    .receive([](std::string&) {}, [](caf::error&) {});
  caf::anon_send_exit(supervisor, caf::exit_reason::user_shutdown);
}

/// Submits `n` echo jobs as fast as the supervisor takes them. Plain sends:
/// the supervisor's replies come back as ordinary messages, so the client
/// keeps no per-request state (CAF 0.17 keeps pending requests in a flat
/// vector, which makes 200k outstanding requests quadratic).
caf::behavior flood(caf::event_based_actor* self, caf::actor supervisor, size_t n) {
  for (size_t i = 0; i < n; ++i)
    self->send(supervisor, troupe::submit_atom::value, std::string{"echo"},
               std::string{"null"}, troupe::job_options{});
  return {
    [](const std::string&, bool) {},
    [](caf::error& err) { std::cerr << "submit failed: " << troupe::describe(err) << std::endl; },
  };
}

double throughput(const options& opt) {
  auto cfg = system_config(opt);
  caf::actor_system sys{*cfg};
  auto supervisor = start_engine(sys, opt, opt.jobs);
  auto start = steady_clock::now();
  sys.spawn(flood, supervisor, opt.jobs);
  await_successes(sys, supervisor, opt.jobs);
  auto elapsed = duration<double>(steady_clock::now() - start).count();
  stop_engine(sys, supervisor);
  return static_cast<double>(opt.jobs) / elapsed;
}

struct pacer_state {
  std::vector<double> latencies_us;
  /// Send times of submissions not yet answered; answers come in order.
  std::deque<steady_clock::time_point> unanswered;
  std::unordered_map<std::string, steady_clock::time_point> sent;
  size_t submitted = 0;
  steady_clock::time_point start;
  static inline const char* name = "bench.pacer";
};

/// Submits at `rate` jobs/s, watches each job, and records its latency. Plain
/// sends, as in `flood`: the answers arrive as ordinary messages.
caf::behavior pacer(caf::stateful_actor<pacer_state>* self, caf::actor supervisor,
                    size_t rate, size_t total,
                    std::shared_ptr<std::promise<std::vector<double>>> done) {
  using tick_atom = caf::atom_constant<caf::atom("tick")>;
  self->state.start = steady_clock::now();
  self->send(self, tick_atom::value);
  return {
    [=](tick_atom) {
      auto& st = self->state;
      auto due = std::min(total, static_cast<size_t>(
                                   duration<double>(steady_clock::now() - st.start).count()
                                   * static_cast<double>(rate)));
      for (; st.submitted < due; ++st.submitted) {
        st.unanswered.push_back(steady_clock::now());
        self->send(supervisor, troupe::submit_atom::value, std::string{"echo"},
                   std::string{"null"}, troupe::job_options{});
      }
      if (st.submitted < total)
        self->delayed_send(self, milliseconds{1}, tick_atom::value);
    },
    [=](std::string& id, bool) {
      auto& st = self->state;
      st.sent.emplace(id, st.unanswered.front());
      st.unanswered.pop_front();
      self->send(supervisor, troupe::watch_atom::value, std::move(id));
    },
    [](caf::ok_atom) {},
    [=](troupe::finished_atom, const std::string& job_json) {
      auto& st = self->state;
      auto id = nlohmann::json::parse(job_json).at("id").get<std::string>();
      auto i = st.sent.find(id);
      st.latencies_us.push_back(
        duration<double, std::micro>(steady_clock::now() - i->second).count());
      st.sent.erase(i);
      if (st.latencies_us.size() == total) {
        done->set_value(std::move(st.latencies_us));
        self->quit();
      }
    },
  };
}

std::pair<double, double> latency(const options& opt) {
  auto cfg = system_config(opt);
  caf::actor_system sys{*cfg};
  auto supervisor = start_engine(sys, opt, 100000);
  auto done = std::make_shared<std::promise<std::vector<double>>>();
  auto result = done->get_future();
  sys.spawn(pacer, supervisor, opt.rate, opt.latency_jobs, done);
  auto latencies = result.get();
  stop_engine(sys, supervisor);
  std::sort(latencies.begin(), latencies.end());
  auto at = [&](double q) {
    return latencies[static_cast<size_t>(q * static_cast<double>(latencies.size() - 1))];
  };
  return {at(0.50), at(0.99)};
}

double bytes_per_retained_job(const options& opt) {
  auto cfg = system_config(opt);
  caf::actor_system sys{*cfg};
  auto supervisor = start_engine(sys, opt, opt.memory_jobs);
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
    else
      throw std::invalid_argument(
        "usage: troupe-bench [--jobs N] [--workers N] [--prefetch N] [--rate JOBS_PER_S]"
        " [--latency-jobs N] [--memory-jobs N] [--scheduler-threads N]"
        " [--scheduler sharing|stealing]");
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
  auto memory = bytes_per_retained_job(opt);
  auto [p50, p99] = latency(opt);
  auto rate = throughput(opt);
  std::cout << "memory: " << static_cast<size_t>(memory) << " bytes RSS per retained job ("
            << opt.memory_jobs << " jobs)\n"
            << "latency at " << opt.rate << " jobs/s: p50 " << p50 / 1000 << " ms, p99 "
            << p99 / 1000 << " ms (" << opt.latency_jobs << " jobs)\n"
            << "throughput: " << opt.jobs << " echo jobs, " << opt.workers << " workers, prefetch "
            << opt.prefetch << ", scheduler " << opt.scheduler << "\n"
            << static_cast<size_t>(rate) << " jobs/s" << std::endl;
  return 0;
}
