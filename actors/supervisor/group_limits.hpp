// The limits of job groups, and what each group uses of them now.
//
// A group may have a concurrency limit (at most K of its jobs held by workers
// at once, across local workers and nodes), a rate limit (a token bucket: N
// starts per P ms, bursts of B) and a weight (its share of the turns when
// groups contend, see ready_queue). The group "*" is the default of every
// group without a limit of its own. Because one dispatcher hands out every
// job, a limit holds exactly: a job counts against its group from the moment
// it is handed to a worker until its lease ends, so "K running" can never be
// exceeded, only approached.
//
// The part takes time as input and keeps state only for groups with a limit
// of their own or jobs held now, so that groups cost nothing while idle.
#pragma once

#include "troupe/clock.hpp"
#include "troupe/limits.hpp"

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace troupe::detail {

class group_limits {
public:
  using time_point = clock::time_point;

  /// The name of the default limit.
  static constexpr const char* default_group = "*";

  /// Sets the limit of `group` (or the default, `*`). A full bucket to begin
  /// with; the jobs held now still count.
  void set(const std::string& group, const group_limit& limit);

  /// Removes the limit of `group`; the default applies to it again.
  void remove(const std::string& group);

  /// The limit that applies to `group`: its own, else the default, else none.
  const group_limit* limit_of(const std::string& group) const;

  /// Whether a job of `group` may be handed out at `now`.
  bool may_start(const std::string& group, time_point now);

  /// A dispatch held a group's next job back: counted for the metrics.
  void count_throttled() { ++throttled_; }

  /// Dispatches held back so far.
  uint64_t throttled() const { return throttled_; }

  /// A job of `group` is handed out at `now`: it holds a slot, spends a token.
  void started(const std::string& group, time_point now);

  /// A job of `group` is no longer held (finished, failed, given back).
  void ended(const std::string& group);

  /// When the next token of `group` comes, if it waits for one at `now`.
  std::optional<time_point> next_token(const std::string& group, time_point now);

  /// `group` waits for a token: `refilled` will name it once one came.
  void await_token(const std::string& group) { awaiting_tokens_.insert(group); }

  /// The groups awaiting a token that have one at `now`.
  std::vector<std::string> refilled(time_point now);

  /// Jobs of `group` held now.
  uint32_t held(const std::string& group) const;

  /// Every group with a limit of its own, and the default if set.
  const std::unordered_map<std::string, group_limit>& all() const { return limits_; }

  /// The weight of `group`.
  uint32_t weight(const std::string& group) const {
    auto* limit = limit_of(group);
    return limit != nullptr ? limit->weight : 1;
  }

private:
  struct usage {
    uint32_t held = 0;
    /// Tokens in the bucket as of `refilled`.
    double tokens = 0;
    time_point refilled;
    bool bucket_started = false;
  };

  /// Brings the bucket of `group` up to `now`.
  void refill(usage& u, const group_limit& limit, time_point now);

  std::unordered_map<std::string, group_limit> limits_;
  std::unordered_map<std::string, usage> usage_;
  std::set<std::string> awaiting_tokens_;
  uint64_t throttled_ = 0;
};

} // namespace troupe::detail
