// A plain `main` that uses troupe through its C++ facade: start an engine with
// the built-in job types and one of its own, submit jobs, wait for results.
// The store is the first argument (`memory` by default, or `sqlite:PATH`).
#include <troupe/builtin_handlers.hpp>
#include <troupe/engine.hpp>

#include <iostream>

int main(int argc, char** argv) {
  using namespace std::chrono_literals;
  auto store = troupe::open_store(argc > 1 ? argv[1] : "memory");
  if (!store) {
    std::cerr << troupe::describe(store.error()) << '\n';
    return 1;
  }
  troupe::engine_config config;
  config.workers = 2;
  config.store = *store;
  troupe::engine engine{config};
  troupe::register_builtin_handlers(engine.handlers());
  engine.handlers().add("greet", [](troupe::job_context& ctx) -> nlohmann::json {
    return "hello, " + ctx.payload().at("name").get<std::string>();
  });
  if (auto err = engine.start()) {
    std::cerr << "cannot start: " << troupe::describe(err) << '\n';
    return 1;
  }

  struct request {
    std::string type;
    nlohmann::json payload;
  };
  std::vector<request> requests{
    {"greet", {{"name", "troupe"}}},
    {"sha256", {{"data", "abc"}, {"rounds", 1000}}},
    {"sleep", {{"ms", 50}}},
    {"progress", {{"steps", 4}, {"step_ms", 5}}},
  };
  std::vector<std::string> ids;
  for (auto& r : requests) {
    auto submitted = engine.submit(r.type, r.payload);
    if (!submitted) {
      std::cerr << "submit failed: " << troupe::describe(submitted.error()) << '\n';
      return 1;
    }
    std::cout << "submitted " << r.type << " as " << submitted->id << '\n';
    ids.push_back(submitted->id);
  }
  int exit_code = 0;
  for (auto& id : ids) {
    auto job = engine.wait(id, 10s);
    if (!job || job->status != troupe::job_status::success) {
      std::cerr << "job " << id << " did not succeed\n";
      exit_code = 1;
      continue;
    }
    std::cout << job->type << " -> " << to_string(job->status) << ": " << job->result.dump()
              << " (attempts " << job->attempts << ", " << job->worker.value_or("?") << ")\n";
  }
  auto stats = engine.stop(5s);
  if (stats)
    std::cout << "stopped: " << stats->jobs.success << " succeeded, " << stats->jobs.failed << " failed\n";
  return exit_code;
}
