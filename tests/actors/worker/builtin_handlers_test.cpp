// The built-in job types, run through a real engine.
#include "support/engine_fixture.hpp"

#include <openssl/sha.h>

using namespace troupe;
using namespace troupe::test;

namespace {

std::string hex(const unsigned char* digest) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string text;
  for (int i = 0; i < SHA256_DIGEST_LENGTH; ++i) {
    text += digits[digest[i] >> 4];
    text += digits[digest[i] & 0x0f];
  }
  return text;
}

job_options once() {
  job_options opts;
  opts.max_attempts = 1;
  return opts;
}

} // namespace

TEST_CASE_METHOD(engine_fixture, "echo returns its payload") {
  start(config());
  nlohmann::json payload{{"a", {1, 2, 3}}, {"b", "text"}};
  CHECK(finish(submit("echo", payload)).result == payload);
}

TEST_CASE_METHOD(engine_fixture, "sleep reports how long it slept") {
  start(config());
  CHECK(finish(submit("sleep", {{"ms", 15}})).result == nlohmann::json{{"slept_ms", 15}});
}

TEST_CASE_METHOD(engine_fixture, "sha256 hashes the data and re-hashes the digest per round") {
  start(config());
  CHECK(finish(submit("sha256", {{"data", "abc"}})).result["hex"]
        == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>("abc"), 3, digest);
  SHA256(digest, sizeof(digest), digest);
  SHA256(digest, sizeof(digest), digest);
  CHECK(finish(submit("sha256", {{"data", "abc"}, {"rounds", 3}})).result["hex"] == hex(digest));
}

TEST_CASE_METHOD(engine_fixture, "fail fails with its message") {
  start(config());
  auto job = finish(submit("fail", {{"message", "no such user"}}, once()));
  CHECK(job.status == job_status::failed);
  CHECK(job.error == std::optional<std::string>{"no such user"});
}

TEST_CASE_METHOD(engine_fixture, "progress reports every step and ends at 1") {
  start(config());
  auto job = finish(submit("progress", {{"steps", 4}, {"step_ms", 1}}));
  CHECK(job.status == job_status::success);
  CHECK(job.result == nlohmann::json{{"steps", 4}});
  CHECK(job.progress == std::optional<double>{1.0});
  CHECK(job.progress_message == std::optional<std::string>{"step 4 of 4"});
}

TEST_CASE_METHOD(engine_fixture, "sleep stops when its job is cancelled") {
  start(config());
  job_options opts;
  opts.timeout_ms = 1000;
  auto id = submit("sleep", {{"ms", 600000}}, opts);
  // The engine arms the attempt's timeout when the job starts running.
  next_timer_within(1001ms);
  auto requested = eng->cancel(id);
  REQUIRE(requested);
  CHECK(requested->status == job_status::running);
  CHECK(finish(id).status == job_status::cancelled);
}

TEST_CASE_METHOD(engine_fixture, "bad payloads fail the job with an error naming the field") {
  start(config());
  std::vector<std::pair<std::string, nlohmann::json>> cases{
    {"sleep", {{"ms", -1}}},
    {"sleep", {{"ms", "ten"}}},
    {"sleep", nullptr},
    {"sha256", {{"data", 5}}},
    {"sha256", {{"data", "x"}, {"rounds", 0}}},
    {"progress", {{"steps", 0}}},
    {"crash", {{"crash_attempts", -2}}},
    {"fail", {{"message", 3}}},
  };
  for (auto& [type, payload] : cases) {
    auto job = finish(submit(type, payload));
    INFO(type << " " << payload.dump());
    CHECK(job.status == job_status::failed);
    CHECK(job.attempts == 1);
    CHECK_THAT(*job.error, Catch::Contains("payload."));
  }
  CHECK(stats().workers.restarts == 0);
}
