#include "troupe/builtin_handlers.hpp"

#include <openssl/sha.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <thread>

namespace troupe {

namespace {

using json = nlohmann::json;

/// Reads an integer field of the payload object, or fails the job for good.
int64_t int_field(const json& payload, const char* field, std::optional<int64_t> fallback,
                  int64_t minimum) {
  auto bad = [&] {
    return permanent_failure{std::string{"payload."} + field
                             + " must be an integer >= " + std::to_string(minimum)};
  };
  if (!payload.is_object() || !payload.contains(field)) {
    if (fallback)
      return *fallback;
    throw bad();
  }
  const auto& value = payload.at(field);
  if (!value.is_number_integer() || value.get<int64_t>() < minimum)
    throw bad();
  return value.get<int64_t>();
}

std::string string_field(const json& payload, const char* field,
                         std::optional<std::string> fallback) {
  if (payload.is_object() && payload.contains(field)) {
    if (!payload.at(field).is_string())
      throw permanent_failure{std::string{"payload."} + field + " must be a string"};
    return payload.at(field).get<std::string>();
  }
  if (fallback)
    return *fallback;
  throw permanent_failure{std::string{"payload."} + field + " is required"};
}

/// Sleeps `ms` in slices of at most 10 ms, stopping early when cancelled.
void interruptible_sleep(job_context& ctx, int64_t ms) {
  using namespace std::chrono;
  auto until = steady_clock::now() + milliseconds{ms};
  for (auto now = steady_clock::now(); now < until; now = steady_clock::now()) {
    ctx.throw_if_cancelled();
    std::this_thread::sleep_for(std::min<steady_clock::duration>(until - now, 10ms));
  }
  ctx.throw_if_cancelled();
}

json echo(job_context& ctx) {
  return ctx.payload();
}

json sleep(job_context& ctx) {
  auto ms = int_field(ctx.payload(), "ms", std::nullopt, 0);
  interruptible_sleep(ctx, ms);
  return {{"slept_ms", ms}};
}

json sha256(job_context& ctx) {
  auto data = string_field(ctx.payload(), "data", std::nullopt);
  auto rounds = int_field(ctx.payload(), "rounds", 1, 1);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  for (int64_t round = 1; round < rounds; ++round) {
    if (round % 4096 == 0)
      ctx.throw_if_cancelled();
    SHA256(digest, sizeof(digest), digest);
  }
  static constexpr char hex[] = "0123456789abcdef";
  std::string text;
  for (auto byte : digest) {
    text += hex[byte >> 4];
    text += hex[byte & 0x0f];
  }
  return {{"hex", text}};
}

json fail(job_context& ctx) {
  throw std::runtime_error(string_field(ctx.payload(), "message", "failed on purpose"));
}

json crash(job_context& ctx) {
  auto limit = int_field(ctx.payload(), "crash_attempts", std::numeric_limits<int64_t>::max(), 0);
  if (ctx.attempt() <= limit)
    throw worker_fault{"crash job: simulated worker fault on attempt "
                       + std::to_string(ctx.attempt())};
  return {{"crashed", false}};
}

json progress(job_context& ctx) {
  auto steps = int_field(ctx.payload(), "steps", std::nullopt, 1);
  auto step_ms = int_field(ctx.payload(), "step_ms", 0, 0);
  for (int64_t step = 1; step <= steps; ++step) {
    interruptible_sleep(ctx, step_ms);
    ctx.progress(static_cast<double>(step) / static_cast<double>(steps),
                 "step " + std::to_string(step) + " of " + std::to_string(steps));
  }
  return {{"steps", steps}};
}

} // namespace

void register_builtin_handlers(handler_registry& registry) {
  registry.add("echo", echo);
  registry.add("sleep", sleep);
  registry.add("sha256", sha256);
  registry.add("fail", fail);
  registry.add("crash", crash);
  registry.add("progress", progress);
}

} // namespace troupe
