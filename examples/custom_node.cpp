// A worker node with a job type of its own: `troupe serve` does not know
// "greet", yet accepts it (with `--node-types greet`, or once a node serving
// it joined) and runs it only here. The node joins the server's `--nodes`
// address given as the first argument, under the name given second, and
// leaves on SIGINT or SIGTERM after its running jobs finish (at most 30 s).
//
//   troupe serve --nodes 127.0.0.1:7000 --node-types greet &
//   troupe-example-node 127.0.0.1:7000 greeter
#include <troupe/engine.hpp>
#include <troupe/worker_node.hpp>

#include <caf/all.hpp>

#include <csignal>
#include <iostream>
#include <pthread.h>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: troupe-example-node HOST:PORT NAME\n";
    return 2;
  }
  std::string address = argv[1];
  auto colon = address.rfind(':');
  if (colon == std::string::npos) {
    std::cerr << "the server's address is HOST:PORT\n";
    return 2;
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  troupe::node_settings settings; // The defaults, as the server's.
  caf::actor_system_config cfg;
  troupe::configure_system(cfg);
  troupe::configure_nodes(cfg, settings);
  caf::actor_system sys{cfg};

  troupe::worker_node_config config;
  config.servers = {
    {address.substr(0, colon), static_cast<uint16_t>(std::stoi(address.substr(colon + 1)))}};
  config.name = argv[2];
  config.workers = 2;
  config.settings = settings;
  config.on_join = [=](const troupe::server_address&, uint64_t) {
    std::cout << "troupe: joined " << address << " as " << argv[2] << std::endl;
  };
  troupe::worker_node node{sys, config};
  node.handlers().add("greet", [](troupe::job_context& ctx) -> nlohmann::json {
    return "hello, " + ctx.payload().at("name").get<std::string>();
  });
  if (auto joined = node.join(); !joined) {
    std::cerr << "cannot join " << address << ": " << troupe::describe(joined.error()) << '\n';
    return 1;
  }
  int received = 0;
  sigwait(&signals, &received);
  node.leave(std::chrono::seconds{30});
  return 0;
}
