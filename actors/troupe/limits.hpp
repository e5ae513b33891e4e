// Limits of job groups, as users set and read them (HTTP `/v1/limits`, the
// actor protocol's `limit_atom`, the CLI's `troupe limits`).
//
// A group (see `job_options::group`) may have at most `concurrency` jobs held
// by workers at once, at most `rate` starts per `per_ms` milliseconds in
// bursts of `burst` (a token bucket), and a `weight`, its share of the turns
// when groups of one priority contend. The group `*` is the default for every
// group without a limit of its own.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace troupe {

struct group_limit {
  /// At most this many jobs of the group held by workers at once.
  std::optional<uint32_t> concurrency;
  /// At most `rate` starts per `per_ms` milliseconds, in bursts of `burst`.
  std::optional<uint32_t> rate;
  int64_t per_ms = 1000;
  uint32_t burst = 1;
  /// The group's share of the turns under contention (1 to 1000).
  uint32_t weight = 1;

  friend bool operator==(const group_limit& a, const group_limit& b) {
    return a.concurrency == b.concurrency && a.rate == b.rate && a.per_ms == b.per_ms
           && a.burst == b.burst && a.weight == b.weight;
  }
};

/// A group's limit and what the group uses of it now.
struct group_limit_state {
  std::string group;
  group_limit limit;
  /// Jobs of the group held by workers now.
  uint32_t running = 0;
  /// Jobs of the group ready to start.
  size_t ready = 0;
  /// Whether the group is at its limit (its ready jobs wait for it).
  bool throttled = false;
};

/// The JSON of a limit: `{"concurrency", "rate", "per_ms", "burst", "weight"}`
/// (absent or null: no such limit).
void to_json(nlohmann::json& j, const group_limit& limit);

/// Reads a limit; throws `std::invalid_argument` naming the field that breaks
/// its rule (e.g. "rate must be an integer from 1 to 1000000").
void from_json(const nlohmann::json& j, group_limit& limit);

void to_json(nlohmann::json& j, const group_limit_state& state);
void from_json(const nlohmann::json& j, group_limit_state& state);

} // namespace troupe
