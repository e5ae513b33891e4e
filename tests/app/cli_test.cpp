// Parsing `troupe serve` flags and their environment variables.
#include "cli.hpp"

#include <catch2/catch.hpp>

using namespace troupe::app;
using troupe::log_level;

TEST_CASE("flags set the server's options") {
  auto opt = parse_serve({"--http", "0.0.0.0:9000", "--workers=3", "--queue-capacity", "50",
                          "--result-ttl", "60", "--token", "t", "--max-body", "2048", "--log-level",
                          "warn", "--shutdown-timeout", "5"},
                         {});
  CHECK(opt.http.host == "0.0.0.0");
  CHECK(opt.http.port == 9000);
  CHECK(opt.engine.workers == 3);
  CHECK(opt.engine.queue_capacity == 50);
  CHECK(opt.engine.result_ttl == std::chrono::seconds{60});
  CHECK(opt.http.token == "t");
  CHECK(opt.http.max_body == 2048);
  CHECK(opt.log == log_level::warn);
  CHECK(opt.shutdown_timeout == std::chrono::seconds{5});
}

TEST_CASE("defaults bind loopback port 8080 with a durable sqlite store in ./troupe-data") {
  auto opt = parse_serve({}, {});
  CHECK(opt.http.host == "127.0.0.1");
  CHECK(opt.http.port == 8080);
  CHECK(opt.store.text() == "sqlite:./troupe-data/troupe.db");
  CHECK(opt.store_options.sync == troupe::sync_mode::normal);
  CHECK(opt.log == log_level::info);
  CHECK(opt.http.max_body == 1 << 20);
  CHECK(opt.http.token.empty());
}

TEST_CASE("environment variables apply unless the flag is given") {
  std::map<std::string, std::string> env{
    {"TROUPE_WORKERS", "7"}, {"TROUPE_HTTP", "127.0.0.1:0"}, {"TROUPE_QUEUE_CAPACITY", "9"}};
  auto opt = parse_serve({"--workers", "2"}, env);
  CHECK(opt.engine.workers == 2);
  CHECK(opt.http.port == 0);
  CHECK(opt.engine.queue_capacity == 9);
}

TEST_CASE("bad flags are usage errors that name the flag") {
  auto fails_with = [](std::vector<std::string> args, const std::string& text) {
    try {
      parse_serve(args, {});
      FAIL("accepted " << args[0]);
    } catch (const usage_error& e) {
      CHECK_THAT(e.what(), Catch::Contains(text));
    }
  };
  fails_with({"--workers", "many"}, "--workers");
  fails_with({"--workers", "0"}, "--workers");
  fails_with({"--http", "8080"}, "--http");
  fails_with({"--http", "localhost:70000"}, "--http");
  fails_with({"--store", "mysql://db"}, "--store");
  fails_with({"--lease-ms", "10"}, "--lease-ms");
  fails_with({"--store", "sqlite:"}, "--store");
  fails_with({"--sync", "sometimes"}, "--sync");
  fails_with({"--log-level", "loud"}, "--log-level");
  fails_with({"--colour", "red"}, "--colour");
  fails_with({"--tls-cert", "c.pem"}, "--tls-key");
  fails_with({"--token"}, "--token");
}

TEST_CASE("a libpq URI is a PostgreSQL store, with its lease from --lease-ms") {
  auto opt = parse_serve({"--store", "postgresql://troupe@db/jobs", "--lease-ms", "1500"}, {});
  CHECK(opt.store.type == troupe::store_spec::kind::postgres);
  CHECK(opt.store.text() == "postgresql://troupe@db/jobs");
  CHECK(opt.store_options.lease == std::chrono::milliseconds{1500});
  CHECK(parse_serve({}, {}).store_options.lease == std::chrono::milliseconds{3000});
}

TEST_CASE("zero local workers leave all jobs to worker nodes, which needs --nodes") {
  auto opt = parse_serve({"--workers", "0", "--nodes", "127.0.0.1:0"}, {});
  REQUIRE(opt.engine.workers);
  CHECK(*opt.engine.workers == 0);
  CHECK_THROWS_WITH(parse_serve({"--workers", "0"}, {}), Catch::Contains("needs --nodes"));
  CHECK_FALSE(parse_serve({}, {}).engine.workers);
}

TEST_CASE("store, sync and debug logging flags select the store and the attempt log") {
  auto opt = parse_serve(
    {"--store", "sqlite:/var/lib/troupe/jobs.db", "--sync", "full", "--log-level", "debug"}, {});
  CHECK(opt.store.text() == "sqlite:/var/lib/troupe/jobs.db");
  CHECK(opt.store_options.sync == troupe::sync_mode::full);
  CHECK(opt.log == log_level::debug);
  CHECK(parse_serve({}, {{"TROUPE_STORE", "memory"}}).store.type
        == troupe::store_spec::kind::memory);
}

TEST_CASE("--help asks for the help text, which lists every flag and variable") {
  CHECK(parse_serve({"--help"}, {}).help);
  auto text = serve_help();
  for (auto name : {"--http", "--workers", "--queue-capacity", "--store", "--result-ttl", "--token",
                    "--max-body", "--tls-cert", "--tls-key", "--log-level", "--sync", "TROUPE_HTTP",
                    "TROUPE_TOKEN"})
    CHECK_THAT(text, Catch::Contains(name));
}

TEST_CASE("a worker joins one server's node address or any of a comma list of them") {
  auto one = parse_worker({"--join", "127.0.0.1:7000"}, {});
  REQUIRE(one.join.size() == 1);
  CHECK(one.join[0].text() == "127.0.0.1:7000");
  auto pair = parse_worker({}, {{"TROUPE_JOIN", "127.0.0.1:7000,localhost:7001"}});
  REQUIRE(pair.join.size() == 2);
  CHECK(pair.join[1].host == "localhost");
  CHECK(pair.join[1].port == 7001);
  CHECK_THROWS_WITH(parse_worker({"--join", "a:7000,b"}, {}),
                    Catch::Contains("--join must be HOST:PORT, not 'b'"));
  CHECK_THROWS_WITH(parse_worker({}, {}), Catch::Contains("--join HOST:PORT is required"));
}
