// The client commands of the `troupe` binary against a real `troupe serve`:
// what they print, piped and on a terminal (through `script`, which gives
// the command a pseudo-terminal), and their exit codes.
#include "support/server_process.hpp"

namespace troupe::test {

namespace {

/// Runs `troupe ARGS` through the shell (ARGS are shell words).
command_result troupe(const std::string& args, const std::string& env = {}) {
  return run_command(env + " " + TROUPE_BINARY + " " + args + " 2>&1");
}

struct client_fixture {
  client_fixture()
      : srv({"--http", "127.0.0.1:0", "--store", "memory", "--workers", "2"},
            dir.file("server.log")) {}

  /// `troupe ARGS --server URL`.
  command_result run(const std::string& args) { return troupe(args + " --server " + srv.url); }

  scratch_dir dir;
  server srv;
};

std::string first_line(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

} // namespace

TEST_CASE_METHOD(client_fixture,
                 "submit prints the job's id, and with --wait its outcome and an exit code") {
  auto submitted = run(R"(submit echo --payload '{"a":1}')");
  CHECK(submitted.exit_code == 0);
  auto id = first_line(submitted.output);
  CHECK(id.size() == 36);
  auto got = run("get " + id);
  CHECK(got.exit_code == 0);
  CHECK(got.output.find(id + "  echo  ") == 0);
  auto json_job = nlohmann::json::parse(run("get " + id + " --json").output);
  CHECK(json_job["id"] == id);

  auto done = run(R"(submit echo --payload '{"b":2}' --priority 9 --wait)");
  CHECK(done.exit_code == 0);
  CHECK(done.output.find("  echo  success  attempts 1/3") != std::string::npos);
  CHECK(done.output.find(R"(result: {"b":2})") != std::string::npos);

  auto failed = run(R"(submit fail --payload '{"message":"no luck"}' --max-attempts 1 --wait)");
  CHECK(failed.exit_code == 1);
  CHECK(failed.output.find("  fail  failed  attempts 1/1") != std::string::npos);
  CHECK(failed.output.find("error: no luck") != std::string::npos);

  auto payload_file = dir.file("payload.json");
  std::ofstream{payload_file} << R"({"from":"file"})";
  auto from_file = run("submit echo --payload @" + payload_file + " --wait --json");
  CHECK(from_file.exit_code == 0);
  CHECK(nlohmann::json::parse(from_file.output)["result"] == nlohmann::json{{"from", "file"}});
}

TEST_CASE_METHOD(client_fixture,
                 "watch prints a line per change when piped and draws a bar on a terminal") {
  auto piped_id =
    first_line(run(R"(submit progress --payload '{"steps":3,"step_ms":700}')").output);
  auto piped = run("watch " + piped_id);
  CHECK(piped.exit_code == 0);
  CHECK(piped.output.find("running 33% step 1 of 3\n") != std::string::npos);
  CHECK(piped.output.find("running 67% step 2 of 3\n") != std::string::npos);
  CHECK(piped.output.find(piped_id + "  progress  success") != std::string::npos);

  auto tty_id = first_line(run(R"(submit progress --payload '{"steps":2,"step_ms":700}')").output);
  auto on_tty = run_command("script -qec '" + std::string{TROUPE_BINARY} + " watch " + tty_id
                            + " --server " + srv.url + "' /dev/null");
  CHECK(on_tty.exit_code == 0);
  CHECK(on_tty.output.find("\r\033[Krunning [###############...............]  50% step 1 of 2")
        != std::string::npos);
  CHECK(on_tty.output.find(tty_id + "  progress  success") != std::string::npos);
}

TEST_CASE_METHOD(client_fixture, "cancel, jobs, stats and workers print what the API says") {
  auto sleeper = first_line(run(R"(submit sleep --payload '{"ms":60000}')").output);
  auto cancelled = run("cancel " + sleeper);
  CHECK(cancelled.output.find(sleeper + "  sleep  ") == 0);
  CHECK(run("submit echo --wait").exit_code == 0);
  auto listed = run("jobs --status success --limit 5");
  CHECK(listed.exit_code == 0);
  CHECK(listed.output.find("success    echo") != std::string::npos);
  CHECK(nlohmann::json::parse(run("jobs --json").output)["jobs"].size() >= 2);
  auto stats = run("stats");
  CHECK(stats.exit_code == 0);
  CHECK(stats.output.find("workers: ") != std::string::npos);
  CHECK(stats.output.find("store: memory, healthy") != std::string::npos);
  auto workers = run("workers");
  CHECK(workers.output.find("local: ") == 0);
  CHECK(nlohmann::json::parse(run("workers --json").output)["local"]["workers"] == 2);
}

TEST_CASE_METHOD(client_fixture, "a job submitted with --group is shown and listed by its group") {
  auto submitted = run("submit echo --group 'tenant 9' --wait");
  REQUIRE(submitted.exit_code == 0);
  CHECK_THAT(submitted.output, Catch::Contains("group tenant 9"));
  REQUIRE(run("submit echo --wait").exit_code == 0);
  auto listed = nlohmann::json::parse(run("jobs --group 'tenant 9' --json").output)["jobs"];
  REQUIRE(listed.size() == 1);
  CHECK(listed[0]["group"] == "tenant 9");
  auto refused = run("submit echo --group ''");
  CHECK(refused.exit_code == 2);
  CHECK_THAT(refused.output, Catch::Contains("--group must be 1 to 128"));
}

TEST_CASE_METHOD(client_fixture,
                 "stats sum up the last five minutes once a job's five seconds are over") {
  CHECK(run("stats").output.find("last 5 minutes: 0 finished\n") != std::string::npos);
  REQUIRE(run(R"(submit sleep --payload '{"ms":150}' --wait)").exit_code == 0);
  // The server shows a five-second bucket once it is complete.
  REQUIRE(poll_until(srv, "/v1/stats", [](const nlohmann::json& stats) {
    auto& finished = stats["recent"]["finished"];
    return std::find(finished.begin(), finished.end(), 1) != finished.end();
  }));
  auto printed = run("stats").output;
  const std::string line = "last 5 minutes: 1 finished, mean run time ";
  auto at = printed.find(line);
  REQUIRE(at != std::string::npos);
  CHECK(std::stoi(printed.substr(at + line.size())) >= 150);
}

TEST_CASE_METHOD(client_fixture, "what the user types reaches the server as one value, encoded") {
  auto id = first_line(run("submit echo").output);
  REQUIRE(run("watch " + id).exit_code == 0);
  CHECK_THAT(run("jobs --type echo").output, Catch::Contains(id));
  // Not the type echo plus a second parameter: a type of that name, which no job has.
  auto filtered = run("jobs --type 'echo&status=success'");
  CHECK(filtered.exit_code == 0);
  CHECK(filtered.output.empty());
  auto slashed = run("get 'abc/def ghi'");
  CHECK(slashed.exit_code == 3);
  CHECK_THAT(slashed.output, Catch::Contains("no job with that id"));
}

TEST_CASE_METHOD(client_fixture, "retry runs a failed job again and refuses a succeeded one") {
  auto failed = run(R"(submit fail --payload '{"message":"no luck"}' --max-attempts 1 --wait)");
  REQUIRE(failed.exit_code == 1);
  auto id = first_line(failed.output).substr(0, 36);
  auto retried = run("retry " + id);
  CHECK(retried.exit_code == 0);
  CHECK(retried.output.find(id + "  fail  pending  attempts 0/1") == 0);
  auto succeeded = first_line(run("submit echo --wait").output).substr(0, 36);
  auto refused = run("retry " + succeeded);
  CHECK(refused.exit_code == 3);
  CHECK(refused.output.find("HTTP 409 not_retryable: the job succeeded") != std::string::npos);
}

TEST_CASE("the client talks to an https server it trusts through --cacert") {
  scratch_dir dir;
  auto cert = dir.file("cert.pem"), key = dir.file("key.pem");
  REQUIRE(run_command("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
                      "-addext subjectAltName=IP:127.0.0.1 -keyout "
                      + key + " -out " + cert + " 2>&1")
            .exit_code
          == 0);
  server srv{{"--http", "127.0.0.1:0", "--store", "memory", "--tls-cert", cert, "--tls-key", key},
             dir.file("server.log")};
  REQUIRE(srv.url.rfind("https://", 0) == 0);
  auto trusted = troupe("submit echo --wait --cacert " + cert + " --server " + srv.url);
  CHECK(trusted.exit_code == 0);
  CHECK(trusted.output.find("  echo  success") != std::string::npos);
  auto from_env = troupe("stats", "TROUPE_CACERT=" + cert + " TROUPE_SERVER=" + srv.url);
  CHECK(from_env.exit_code == 0);
  auto untrusted = troupe("stats --server " + srv.url);
  CHECK(untrusted.exit_code == 3);
  CHECK(untrusted.output.find("cannot reach " + srv.url) != std::string::npos);
}

TEST_CASE("troupe --help lists the server, node and client commands") {
  auto help = troupe("--help");
  CHECK(help.exit_code == 0);
  for (auto command : {"troupe serve", "troupe worker", "submit TYPE", "watch ID", "workers"})
    CHECK(help.output.find(command) != std::string::npos);
  CHECK(troupe("").exit_code == 2);
}

TEST_CASE("client errors exit 2 for usage and 3 for an unreachable or refusing server") {
  scratch_dir dir;
  server srv{{"--http", "127.0.0.1:0", "--store", "memory", "--token", "s3cret"},
             dir.file("server.log")};
  auto usage = troupe("submit echo --colour red --server " + srv.url);
  CHECK(usage.exit_code == 2);
  CHECK(usage.output.find("no option --colour") != std::string::npos);
  CHECK(troupe("get").exit_code == 2);
  CHECK(troupe("submit echo --payload '{bad' --server " + srv.url).exit_code == 2);
  auto unreachable = troupe("stats --server http://127.0.0.1:1");
  CHECK(unreachable.exit_code == 3);
  CHECK(unreachable.output.find("cannot reach http://127.0.0.1:1") != std::string::npos);
  auto refused = troupe("stats --server " + srv.url);
  CHECK(refused.exit_code == 3);
  CHECK(refused.output.find("HTTP 401 unauthorized") != std::string::npos);
  auto with_env = troupe("submit echo --wait", "TROUPE_SERVER=" + srv.url + " TROUPE_TOKEN=s3cret");
  CHECK(with_env.exit_code == 0);
  auto unknown =
    troupe("get 00000000-0000-4000-8000-000000000000 --token s3cret --server " + srv.url);
  CHECK(unknown.exit_code == 3);
  CHECK(unknown.output.find("HTTP 404 not_found") != std::string::npos);
}

} // namespace troupe::test
