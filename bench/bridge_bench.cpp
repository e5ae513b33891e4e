// troupe-bridge-bench: round trips per second from plain threads into the
// engine, for the two ways an HTTP handler thread can ask an actor:
//   forwarder     - spawn a short-lived actor per request, wait on a future
//                   (what the gateway does; http/detail/bridge.hpp)
//   scoped_actor  - one blocking scoped_actor per thread, request/receive
// Each thread sends `stats_atom` to a real supervisor, 1, 4 and 16 threads.
#include "detail/bridge.hpp"

#include <troupe/builtin_handlers.hpp>
#include <troupe/protocol.hpp>
#include <troupe/supervisor.hpp>

#include <caf/all.hpp>

#include <atomic>
#include <iostream>
#include <thread>

using namespace std::chrono;

namespace {

template <class Ask> double round_trips_per_second(size_t threads, Ask ask) {
  std::atomic<size_t> done{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> pool;
  auto start = steady_clock::now();
  for (size_t t = 0; t < threads; ++t)
    pool.emplace_back([&done, &stop, ask]() mutable {
      ask.prepare();
      while (!stop.load()) {
        ask();
        ++done;
      }
    });
  std::this_thread::sleep_for(seconds{2});
  stop = true;
  for (auto& t : pool)
    t.join();
  return static_cast<double>(done) / duration<double>(steady_clock::now() - start).count();
}

struct via_forwarder {
  const troupe::http::detail::bridge* bridge;
  void prepare() {}
  void operator()() {
    auto r = bridge->ask<std::string>(milliseconds{5000}, troupe::stats_atom::value);
    if (!r)
      throw std::runtime_error(troupe::describe(r.error()));
  }
};

struct via_scoped_actor {
  caf::actor_system* sys;
  caf::actor supervisor;
  std::shared_ptr<caf::scoped_actor> self;
  void prepare() { self = std::make_shared<caf::scoped_actor>(*sys); }
  void operator()() {
    (*self)
      ->request(supervisor, seconds{5}, troupe::stats_atom::value)
      .receive([](std::string&) {},
               [](caf::error& err) { throw std::runtime_error(troupe::describe(err)); });
  }
};

} // namespace

int main() {
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", 2);
  caf::actor_system sys{cfg};
  troupe::engine_config config;
  config.workers = 2;
  auto handlers = std::make_shared<troupe::handler_registry>();
  troupe::register_builtin_handlers(*handlers);
  auto supervisor = *troupe::spawn_supervisor(sys, config, handlers);
  troupe::http::detail::bridge bridge{sys, supervisor};
  for (size_t threads : {1, 4, 16}) {
    auto fwd = round_trips_per_second(threads, via_forwarder{&bridge});
    auto scoped = round_trips_per_second(threads, via_scoped_actor{&sys, supervisor, nullptr});
    std::cout << threads << " threads: forwarder " << static_cast<size_t>(fwd)
              << " /s, scoped_actor " << static_cast<size_t>(scoped) << " /s" << std::endl;
  }
  caf::anon_send_exit(supervisor, caf::exit_reason::user_shutdown);
}
