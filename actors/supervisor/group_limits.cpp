#include "supervisor/group_limits.hpp"

#include <algorithm>
#include <cmath>

namespace troupe::detail {

void group_limits::set(const std::string& group, const group_limit& limit) {
  limits_[group] = limit;
  // A new limit begins with a full bucket.
  for (auto& [name, u] : usage_)
    if (name == group || (group == default_group && limits_.count(name) == 0))
      u.bucket_started = false;
}

void group_limits::remove(const std::string& group) {
  limits_.erase(group);
  auto u = usage_.find(group);
  if (u != usage_.end() && u->second.held == 0)
    usage_.erase(u);
}

const group_limit* group_limits::limit_of(const std::string& group) const {
  if (auto own = limits_.find(group); own != limits_.end())
    return &own->second;
  if (auto fallback = limits_.find(default_group); fallback != limits_.end())
    return &fallback->second;
  return nullptr;
}

void group_limits::refill(usage& u, const group_limit& limit, time_point now) {
  if (!limit.rate)
    return;
  auto burst = static_cast<double>(std::max<uint32_t>(1, limit.burst));
  if (!u.bucket_started) {
    u.tokens = burst;
    u.refilled = now;
    u.bucket_started = true;
    return;
  }
  if (now <= u.refilled)
    return;
  auto elapsed_ms = std::chrono::duration<double, std::milli>(now - u.refilled).count();
  auto per_ms = static_cast<double>(std::max<int64_t>(1, limit.per_ms));
  u.tokens = std::min(burst, u.tokens + elapsed_ms * *limit.rate / per_ms);
  u.refilled = now;
}

bool group_limits::may_start(const std::string& group, time_point now) {
  auto* limit = limit_of(group);
  if (limit == nullptr)
    return true;
  auto may = true;
  if (limit->concurrency && held(group) >= *limit->concurrency) {
    may = false;
  } else if (limit->rate) {
    auto& u = usage_[group];
    refill(u, *limit, now);
    may = u.tokens >= 1.0;
  }
  return may;
}

void group_limits::started(const std::string& group, time_point now) {
  auto& u = usage_[group];
  ++u.held;
  if (auto* limit = limit_of(group); limit != nullptr && limit->rate) {
    refill(u, *limit, now);
    u.tokens -= 1.0;
  }
}

void group_limits::ended(const std::string& group) {
  auto u = usage_.find(group);
  if (u == usage_.end() || u->second.held == 0)
    return;
  // State stays only while it matters: jobs held, or a bucket being refilled.
  auto* limit = limit_of(group);
  if (--u->second.held == 0 && (limit == nullptr || !limit->rate))
    usage_.erase(u);
}

std::optional<group_limits::time_point> group_limits::next_token(const std::string& group,
                                                                 time_point now) {
  auto* limit = limit_of(group);
  if (limit == nullptr || !limit->rate || *limit->rate == 0)
    return std::nullopt;
  auto& u = usage_[group];
  refill(u, *limit, now);
  if (u.tokens >= 1.0)
    return std::nullopt;
  auto per_ms = static_cast<double>(std::max<int64_t>(1, limit->per_ms));
  auto wait_ms = (1.0 - u.tokens) * per_ms / *limit->rate;
  return now + std::chrono::microseconds{static_cast<int64_t>(std::ceil(wait_ms * 1000))};
}

std::vector<std::string> group_limits::refilled(time_point now) {
  std::vector<std::string> ready;
  for (auto i = awaiting_tokens_.begin(); i != awaiting_tokens_.end();) {
    if (!next_token(*i, now)) {
      ready.push_back(*i);
      i = awaiting_tokens_.erase(i);
    } else {
      ++i;
    }
  }
  return ready;
}

uint32_t group_limits::held(const std::string& group) const {
  auto u = usage_.find(group);
  return u == usage_.end() ? 0 : u->second.held;
}

} // namespace troupe::detail
