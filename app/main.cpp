// `troupe`: the job engine as a server. `troupe serve --help` lists the flags.
#include "cli.hpp"
#include "client.hpp"

#include "troupe/builtin_handlers.hpp"
#include "troupe/engine.hpp"
#include "troupe/errors.hpp"
#include "troupe/log.hpp"
#include "troupe/standby.hpp"
#include "troupe/worker_node.hpp"

#include <caf/all.hpp>

#include <csignal>
#include <cstring>
#include <iostream>
#include <linux/close_range.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <thread>
#include <unistd.h>

namespace {

using namespace troupe;

/// Raises the open-file limit as far as allowed and keeps the connection cap
/// below it, with room for the store, logs and the engine's own descriptors.
void fit_connections_to_file_limit(app::serve_options& opt) {
  constexpr rlim_t reserved = 256;
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0)
    return;
  if (lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
    getrlimit(RLIMIT_NOFILE, &lim);
  }
  if (lim.rlim_cur == RLIM_INFINITY || opt.http.max_connections + reserved <= lim.rlim_cur)
    return;
  auto fitted = lim.rlim_cur > 2 * reserved ? lim.rlim_cur - reserved : lim.rlim_cur / 2;
  log(log_level::warn, "the open-file limit is " + std::to_string(lim.rlim_cur)
                         + ": serving at most " + std::to_string(fitted)
                         + " connections instead of " + std::to_string(opt.http.max_connections));
  opt.http.max_connections = fitted;
}

/// The command line this process was started with, to start it again.
std::vector<char*> own_command_line;

/// Another server took over the database: this one has stored nothing since
/// and cannot; it starts afresh as the same command, which waits as a
/// standby. Nothing of this process survives (its running jobs are the new
/// active's to run again), and it keeps its PID.
[[noreturn]] void step_down_to_standby() {
  log(log_level::warn, "deposed: another server is active; stepping down to standby");
  // Descriptors must not outlive the exec (a listening socket would keep
  // its port).
  syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
  execv("/proc/self/exe", own_command_line.data());
  log(log_level::error, std::string{"cannot restart as a standby: "} + std::strerror(errno));
  std::_Exit(1);
}

int serve(app::serve_options opt) {
  set_log_level(opt.log);
  fit_connections_to_file_limit(opt);
  // Signals are taken by sigwait below; block them before any thread starts
  // so that every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGUSR2);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  caf::actor_system_config cfg;
  configure_system(cfg);
  if (opt.nodes_enabled)
    configure_nodes(cfg, opt.node);
  caf::actor_system sys{cfg};
  // HTTP is served from the start: until this server runs the jobs (on
  // PostgreSQL, while another server is active), its gateway talks to the
  // stand-in, which answers as a standby. "listening on" is printed once
  // the jobs are served.
  auto standby = spawn_standby(sys);
  auto gateway = http::spawn_gateway(sys, standby, opt.http);
  auto stop_serving = [&] {
    http::stop_gateway(sys, gateway);
    caf::anon_send_exit(standby, caf::exit_reason::user_shutdown);
  };
  auto port = http::listening_port(sys, gateway);
  if (!port) {
    log(log_level::error, describe(port.error()));
    stop_serving();
    return 1;
  }
  auto url = std::string{opt.http.tls_cert.empty() ? "http" : "https"} + "://" + opt.http.host + ":"
             + std::to_string(*port);

  // On PostgreSQL, a server that finds another one active waits as its
  // standby, until SIGINT or SIGTERM.
  opt.store_options.standby = true;
  opt.store_options.keep_waiting = [&standby, &url,
                                    told = false](const store_leadership& active) mutable {
    if (!std::exchange(told, true))
      std::cout << "troupe: standby on " << url << std::endl;
    report_active_term(standby, active);
    sigset_t pending;
    sigpending(&pending);
    return sigismember(&pending, SIGINT) != 1 && sigismember(&pending, SIGTERM) != 1;
  };
  // A deposed active tells the main thread, which steps down.
  opt.store_options.on_deposed = [] { kill(getpid(), SIGUSR2); };
  auto store = open_store(opt.store, opt.store_options);
  if (!store && is_troupe_error(store.error(), errc::shutting_down)) {
    log(log_level::info, describe(store.error()));
    stop_serving();
    return 0;
  }
  if (!store) {
    log(log_level::error, "cannot use the job store: " + describe(store.error()));
    stop_serving();
    return 1;
  }
  auto engine_config = opt.engine;
  engine_config.store = *store;
  engine eng{sys, engine_config};
  register_builtin_handlers(eng.handlers());
  if (auto err = eng.start()) {
    log(log_level::error, "cannot start the engine: " + describe(err));
    stop_serving();
    return 1;
  }
  http::switch_engine(gateway, eng.supervisor());
  caf::anon_send_exit(standby, caf::exit_reason::user_shutdown);
  std::cout << "troupe: listening on " << url << std::endl;
  std::unique_ptr<node_port> nodes;
  if (opt.nodes_enabled) {
    auto opened = serve_nodes(sys, eng.supervisor(), opt.node, opt.nodes_host, opt.nodes_port);
    if (!opened) {
      log(log_level::error, "cannot accept nodes on " + opt.nodes_host + ":"
                              + std::to_string(opt.nodes_port) + ": " + describe(opened.error()));
      http::stop_gateway(sys, gateway);
      eng.stop(std::chrono::seconds{0});
      return 1;
    }
    nodes = std::move(*opened);
    std::cout << "troupe: nodes on " << opt.nodes_host << ":" << nodes->port() << std::endl;
  }
  auto stats = eng.stats();
  log(log_level::info, "store " + (*store)->name() + " (" + std::to_string(stats->recovered)
                         + " jobs recovered), " + std::to_string(stats->workers.total)
                         + " workers");

  int received = 0;
  sigwait(&signals, &received);
  if (received == SIGUSR2)
    step_down_to_standby();
  log(log_level::info, std::string{"received "} + (received == SIGINT ? "SIGINT" : "SIGTERM")
                         + "; refusing new jobs, running ones get "
                         + std::to_string(opt.shutdown_timeout.count()) + " s");
  // The HTTP front stops between the drain and the release: a client asking
  // for a job that just finished gets its answer, not an engine gone.
  auto final_stats = eng.drain(opt.shutdown_timeout);
  http::stop_gateway(sys, gateway);
  eng.release();
  if (final_stats)
    log(log_level::info, "stopped: " + std::to_string(final_stats->jobs.success) + " succeeded, "
                           + std::to_string(final_stats->jobs.failed) + " failed, "
                           + std::to_string(final_stats->jobs.cancelled) + " cancelled, "
                           + std::to_string(final_stats->jobs.pending + final_stats->jobs.running)
                           + " left for the next start");
  return 0;
}

/// `troupe worker`: joins the server and runs its jobs until SIGINT or
/// SIGTERM, then leaves: what it has not started goes back at once, running
/// jobs get --drain-timeout.
int work(const app::worker_options& opt) {
  set_log_level(opt.log);
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  caf::actor_system_config cfg;
  configure_system(cfg);
  configure_nodes(cfg, opt.node);
  caf::actor_system sys{cfg};
  worker_node_config config;
  config.servers = opt.join;
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  config.name = opt.name.empty() ? std::string{host} + "-" + std::to_string(getpid()) : opt.name;
  config.workers =
    opt.workers != 0 ? opt.workers : std::max(1u, std::thread::hardware_concurrency());
  config.prefetch = opt.prefetch;
  config.settings = opt.node;
  std::string where;
  for (auto& server : opt.join)
    where += (where.empty() ? "" : ",") + server.text();
  config.on_join = [name = config.name](const server_address& server, uint64_t) {
    std::cout << "troupe: joined " << server.text() << " as " << name << std::endl;
  };
  worker_node node{sys, config};
  register_builtin_handlers(node.handlers());
  auto joined = node.join();
  if (!joined) {
    log(log_level::error, "cannot join " + where + ": " + describe(joined.error()));
    return 1;
  }
  int received = 0;
  sigwait(&signals, &received);
  log(log_level::info, std::string{"received "} + (received == SIGINT ? "SIGINT" : "SIGTERM")
                         + "; leaving, running jobs get "
                         + std::to_string(opt.drain_timeout.count()) + " s");
  node.leave(opt.drain_timeout);
  log(log_level::info, "left " + where);
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  own_command_line.assign(argv, argv + argc + 1);
  std::vector<std::string> args(argv + 1, argv + argc);
  auto command = args.empty() ? std::string{} : args[0];
  if (app::is_client_command(command))
    return app::run_client(command, {args.begin() + 1, args.end()}, app::process_environment(),
                           std::cout, std::cerr, isatty(STDOUT_FILENO) != 0);
  if (command != "serve" && command != "worker") {
    auto asked = command == "--help" || command == "-h" || command == "help";
    (asked ? std::cout : std::cerr)
      << "usage: troupe serve [options]   (troupe serve --help for the options)\n"
         "       troupe worker --join HOST:PORT [options]\n"
      << app::client_help();
    return asked ? 0 : 2;
  }
  try {
    std::vector<std::string> rest{args.begin() + 1, args.end()};
    if (command == "worker") {
      auto opt = app::parse_worker(rest, app::process_environment());
      if (opt.help) {
        std::cout << app::worker_help();
        return 0;
      }
      return work(opt);
    }
    auto opt = app::parse_serve(rest, app::process_environment());
    if (opt.help) {
      std::cout << app::serve_help();
      return 0;
    }
    return serve(opt);
  } catch (const app::usage_error& e) {
    std::cerr << "troupe: " << e.what() << "\nrun 'troupe " << command
              << " --help' for the options\n";
    return 2;
  }
}
