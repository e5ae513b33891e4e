// Retry backoff: exponential growth capped, with "equal jitter" so that jobs
// that failed together do not all retry in the same instant.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>

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

} // namespace troupe::detail
