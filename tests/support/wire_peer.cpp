// troupe-wire-peer: a second process for wire tests. It registers troupe's
// message types, publishes an actor on 127.0.0.1 that answers every request
// with a copy of it, prints `port N` and runs until killed.
#include <troupe/protocol.hpp>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <iostream>

namespace {

/// Answers every request with the request itself.
class mirror : public caf::event_based_actor {
public:
  explicit mirror(caf::actor_config& cfg) : caf::event_based_actor(cfg) {
    set_default_handler(caf::reflect);
  }

  caf::behavior make_behavior() override {
    return {[](caf::unit_t) {}};
  }
};

} // namespace

int main() {
  caf::actor_system_config cfg;
  cfg.load<caf::io::middleman>();
  troupe::add_message_types(cfg);
  caf::actor_system sys{cfg};
  auto port = sys.middleman().publish(sys.spawn<mirror>(), 0, "127.0.0.1");
  if (!port) {
    std::cerr << sys.render(port.error()) << std::endl;
    return 1;
  }
  std::cout << "port " << *port << std::endl;
  // Runs until the test kills it: the published actor keeps the system up.
}
