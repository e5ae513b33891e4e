// Retry backoff: exponential growth capped, with "equal jitter" so that jobs
// that failed together do not all retry in the same instant.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>

namespace troupe::detail {

/// Returns the wait before the retry that follows failed attempt `attempt`
/// (1-based): a value in [d/2, d] with d = min(cap, base * 2^(attempt-1)),
/// placed by `unit` in [0, 1].
inline std::chrono::milliseconds backoff_delay(std::chrono::milliseconds base,
                                               std::chrono::milliseconds cap, int32_t attempt,
                                               double unit) {
  auto exponent = std::clamp<int32_t>(attempt - 1, 0, 40);
  auto grown = static_cast<double>(base.count()) * static_cast<double>(1ull << exponent);
  auto ceiling = std::min(grown, static_cast<double>(cap.count()));
  auto jittered = ceiling / 2 + std::clamp(unit, 0.0, 1.0) * ceiling / 2;
  return std::chrono::milliseconds{static_cast<int64_t>(jittered)};
}

/// The delays before retries, each drawn with its own jitter.
class retry_backoff {
public:
  retry_backoff() = default;

  /// A seed of 0 draws one from the operating system.
  retry_backoff(std::chrono::milliseconds base, std::chrono::milliseconds cap, uint64_t seed)
      : base_(base), cap_(cap), jitter_(seed != 0 ? seed : std::random_device{}()) {}

  /// The wait before the retry that follows failed attempt `attempt`.
  std::chrono::milliseconds after(int32_t attempt) {
    return backoff_delay(base_, cap_, attempt, unit_(jitter_));
  }

private:
  std::chrono::milliseconds base_{0};
  std::chrono::milliseconds cap_{0};
  std::mt19937_64 jitter_;
  std::uniform_real_distribution<double> unit_{0.0, 1.0};
};

} // namespace troupe::detail
