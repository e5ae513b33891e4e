// Calls from the gateway to the engine that wait for their replies.
//
// Every HTTP request that reaches the engine must get exactly one answer,
// even if the engine never replies: a long-poll parked in a job actor that
// was stopped, a query behind a store that hangs, an engine that went away.
// CAF's own request timeouts would cost a wake-up of its timer thread per
// request, so the gateway keeps its calls here instead: each call is opened
// with a deadline and a way to refuse it, and is closed by its reply; one
// coarse tick refuses whatever outlived its deadline. A reply that comes
// after the refusal finds its call closed and is dropped.
#pragma once

#include <caf/error.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <unordered_map>

namespace troupe::http::detail {

class pending_calls {
public:
  using time_point = std::chrono::steady_clock::time_point;
  using refuse_fn = std::function<void(const caf::error&)>;

  /// Opens a call that must be answered by `deadline`; `refuse` answers it
  /// if it is not. Returns the call's number.
  uint64_t open(time_point deadline, refuse_fn refuse) {
    auto number = next_++;
    auto at = by_deadline_.emplace(deadline, number);
    open_.emplace(number, entry{std::move(refuse), at});
    return number;
  }

  /// The reply to call `number` came; returns whether the call was still
  /// open (only then may the caller answer).
  bool close(uint64_t number) {
    auto i = open_.find(number);
    if (i == open_.end())
      return false;
    by_deadline_.erase(i->second.at);
    open_.erase(i);
    return true;
  }

  /// Refuses, with `reason`, every call whose deadline is not after `now`.
  void expire(time_point now, const caf::error& reason) {
    while (!by_deadline_.empty() && by_deadline_.begin()->first <= now)
      refuse(by_deadline_.begin()->second, reason);
  }

  /// Refuses every open call with `reason`.
  void refuse_all(const caf::error& reason) {
    while (!by_deadline_.empty())
      refuse(by_deadline_.begin()->second, reason);
  }

  size_t size() const { return open_.size(); }

private:
  struct entry {
    refuse_fn refuse;
    std::multimap<time_point, uint64_t>::iterator at;
  };

  void refuse(uint64_t number, const caf::error& reason) {
    auto i = open_.find(number);
    auto refuse = std::move(i->second.refuse);
    by_deadline_.erase(i->second.at);
    open_.erase(i);
    // Last: the refusal may open new calls.
    refuse(reason);
  }

  uint64_t next_ = 0;
  std::unordered_map<uint64_t, entry> open_;
  std::multimap<time_point, uint64_t> by_deadline_;
};

} // namespace troupe::http::detail
