#include "troupe/limits.hpp"

#include <stdexcept>

namespace troupe {

namespace {

/// Bounds of each number in a limit.
constexpr int64_t max_concurrency = 1000000;
constexpr int64_t max_rate = 1000000;
constexpr int64_t max_per_ms = 86400000;
constexpr int64_t max_burst = 1000000;
constexpr int64_t max_weight = 1000;

std::string rule(const char* field, int64_t low, int64_t high) {
  return std::string{field} + " must be an integer from " + std::to_string(low) + " to "
         + std::to_string(high);
}

/// Reads `field` of `j` as an integer within [low, high], if present.
std::optional<int64_t> read(const nlohmann::json& j, const char* field, int64_t low, int64_t high) {
  auto i = j.find(field);
  if (i == j.end() || i->is_null())
    return std::nullopt;
  if (!i->is_number_integer() || i->get<int64_t>() < low || i->get<int64_t>() > high)
    throw std::invalid_argument(rule(field, low, high));
  return i->get<int64_t>();
}

} // namespace

void to_json(nlohmann::json& j, const group_limit& limit) {
  j = nlohmann::json{{"concurrency", nullptr},
                     {"rate", nullptr},
                     {"per_ms", limit.per_ms},
                     {"burst", limit.burst},
                     {"weight", limit.weight}};
  if (limit.concurrency)
    j["concurrency"] = *limit.concurrency;
  if (limit.rate)
    j["rate"] = *limit.rate;
}

void from_json(const nlohmann::json& j, group_limit& limit) {
  if (!j.is_object())
    throw std::invalid_argument("a limit must be a JSON object");
  for (auto& [key, value] : j.items())
    if (key != "concurrency" && key != "rate" && key != "per_ms" && key != "burst"
        && key != "weight")
      throw std::invalid_argument(key + " is not a known field");
  limit = group_limit{};
  if (auto k = read(j, "concurrency", 0, max_concurrency))
    limit.concurrency = static_cast<uint32_t>(*k);
  if (auto n = read(j, "rate", 1, max_rate))
    limit.rate = static_cast<uint32_t>(*n);
  if (auto p = read(j, "per_ms", 1, max_per_ms))
    limit.per_ms = *p;
  if (auto b = read(j, "burst", 1, max_burst))
    limit.burst = static_cast<uint32_t>(*b);
  if (auto w = read(j, "weight", 1, max_weight))
    limit.weight = static_cast<uint32_t>(*w);
}

void to_json(nlohmann::json& j, const group_limit_state& state) {
  j = nlohmann::json{{"group", state.group},
                     {"limit", state.limit},
                     {"running", state.running},
                     {"ready", state.ready},
                     {"throttled", state.throttled}};
}

void from_json(const nlohmann::json& j, group_limit_state& state) {
  state.group = j.at("group").get<std::string>();
  state.limit = j.at("limit").get<group_limit>();
  state.running = j.at("running").get<uint32_t>();
  state.ready = j.at("ready").get<size_t>();
  state.throttled = j.at("throttled").get<bool>();
}

} // namespace troupe
