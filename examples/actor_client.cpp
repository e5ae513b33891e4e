// A CAF actor that uses troupe through its message protocol: it submits jobs
// to the supervisor, subscribes to each, and reacts to the `finished`
// messages as they arrive; no polling anywhere.
#include <troupe/builtin_handlers.hpp>
#include <troupe/errors.hpp>
#include <troupe/protocol.hpp>
#include <troupe/supervisor.hpp>

#include <caf/all.hpp>

#include <iostream>

namespace {

struct client_state {
  size_t outstanding = 0;
  size_t succeeded = 0;
  static inline const char* name = "example.client";
};

caf::behavior client(caf::stateful_actor<client_state>* self, caf::actor supervisor,
                     std::vector<std::pair<std::string, std::string>> jobs) {
  using namespace std::chrono_literals;
  for (auto& job : jobs) {
    const auto& type = job.first;
    ++self->state.outstanding;
    self->request(supervisor, 5s, troupe::submit_atom::value, type, job.second,
                  troupe::job_options{})
      .then(
        [=](const std::string& id, bool) {
          std::cout << "submitted " << type << " as " << id << std::endl;
          // Subscribe: the engine sends (finished_atom, job_json) exactly once.
          self->request(supervisor, 5s, troupe::watch_atom::value, id)
            .then([](caf::ok_atom) {}, [=](caf::error& err) { self->quit(err); });
        },
        [=](caf::error& err) {
          std::cerr << "submit refused: " << troupe::describe(err) << std::endl;
          self->quit(err);
        });
  }
  return {
    [=](troupe::finished_atom, const std::string& job_json) {
      auto job = troupe::job_info::from_json(job_json);
      std::cout << job.type << " finished " << to_string(job.status) << ": " << job.result.dump()
                << std::endl;
      if (job.status == troupe::job_status::success)
        ++self->state.succeeded;
      if (--self->state.outstanding == 0)
        self->quit(self->state.succeeded == 3 ? caf::error{}
                                              : troupe::make_error(troupe::errc::invalid_argument,
                                                                   "not every job succeeded"));
    },
  };
}

} // namespace

int main() {
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", 2);
  troupe::add_message_types(cfg);
  caf::actor_system sys{cfg};

  troupe::engine_config config;
  config.workers = 2;
  auto handlers = std::make_shared<troupe::handler_registry>();
  troupe::register_builtin_handlers(*handlers);
  auto spawned = troupe::spawn_supervisor(sys, config, handlers);
  if (!spawned) {
    std::cerr << "cannot start the engine: " << troupe::describe(spawned.error()) << std::endl;
    return 1;
  }
  auto supervisor = *spawned;

  auto me = sys.spawn(client, supervisor,
                      std::vector<std::pair<std::string, std::string>>{
                        {"echo", R"({"hello": "actors"})"},
                        {"sha256", R"({"data": "abc"})"},
                        {"sleep", R"({"ms": 20})"},
                      });
  bool ok = false;
  {
    caf::scoped_actor self{sys};
    self->monitor(me);
    self->receive([&](caf::down_msg& down) { ok = !down.reason; });
    self->request(supervisor, std::chrono::seconds{5}, troupe::drain_atom::value, int64_t{1000})
      .receive([](const std::string&) {}, [](caf::error&) {});
  }
  caf::anon_send_exit(supervisor, caf::exit_reason::user_shutdown);
  std::cout << (ok ? "all jobs succeeded" : "some jobs failed") << std::endl;
  return ok ? 0 : 1;
}
