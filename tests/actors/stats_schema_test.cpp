// The stats schema: one declaration, read back as it was written.
#include "troupe/stats.hpp"

#include <catch2/catch.hpp>

using troupe::engine_stats;

TEST_CASE("engine stats read back from their JSON as they were written") {
  engine_stats s;
  s.leader = troupe::leader_stats::of_term("active", 4, 1234);
  s.jobs = {1, 2, 3, 4, 5};
  s.queue = {6, 7, 8, 9};
  s.workers = {10, 11, 12, 13};
  s.types["echo"] = {14, 15, 16, 17, 18};
  s.nodes = {19, 20, 21, 22, 23, 24};
  s.store = {"sqlite:jobs.db", true, false, "disk full", 25, 26, 27};
  s.memory = {28, 29};
  s.duration_seconds = {{0.1, 1}, {30, 31, 32}, 1.5, 93};
  s.recent = {5, 1000, {1, 2}, {3, 4}, {0.5, 0.25}};
  s.groups = {35, 36, 37};
  s.submitted_total = 33;
  s.recovered = 34;
  s.healthy = false;
  s.accepting = false;
  auto back = nlohmann::json::parse(nlohmann::json(s).dump()).get<engine_stats>();
  CHECK(nlohmann::json(back) == nlohmann::json(s));
  CHECK(back.types.at("echo").pending == 18);
  CHECK(back.store.error == "disk full");
  CHECK(back.groups.throttled_total == 37);
  CHECK(back.leader.last_failover_ms == 1234);
  CHECK(back.recent.run_seconds == std::vector<double>{0.5, 0.25});
}

TEST_CASE("a healthy store's error is null in the stats JSON") {
  engine_stats s;
  auto j = nlohmann::json(s);
  CHECK(j.at("store").at("error").is_null());
  CHECK_FALSE(j.get<engine_stats>().store.error.has_value());
}

TEST_CASE("a server's first term is no failover") {
  CHECK_FALSE(troupe::leader_stats::of_term("active", 1, 1234).last_failover_ms);
  CHECK(troupe::leader_stats::of_term("standby", 2, 1234).last_failover_ms == 1234);
  CHECK(nlohmann::json(engine_stats{}).at("leader")
        == nlohmann::json{{"role", "single"}, {"epoch", 0}, {"last_failover_ms", nullptr}});
}
