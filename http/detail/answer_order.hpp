// The requests read on one connection, answered in the order they came
// (HTTP/1.1 pipelining), whatever order the engine's answers arrive in.
#pragma once

#include "detail/session.hpp"

#include <algorithm>
#include <deque>
#include <optional>

namespace troupe::http::detail {

class answer_order {
public:
  struct slot {
    uint64_t number;
    unsigned version;
    bool keep_alive;
    /// A long-poll: the client may leave while it waits.
    bool waits;
    std::optional<response> answer;
  };

  /// A request read; returns its number, by which it is answered.
  uint64_t add(unsigned version, bool keep_alive) {
    slots_.push_back(slot{next_, version, keep_alive, false, std::nullopt});
    return next_++;
  }

  /// An answer the session gives itself, after the answers before it; the
  /// connection ends with it.
  void add_answered(unsigned version, response answer) {
    slots_.push_back(slot{next_++, version, false, false, std::move(answer)});
  }

  /// Request `number` is a long-poll (if it still waits).
  void mark_waits(uint64_t number) {
    if (auto* s = find(number))
      s->waits = true;
  }

  /// The answer to request `number` arrived (ignored if it has one).
  void answer(uint64_t number, response answer) {
    if (auto* s = find(number); s != nullptr && !s->answer)
      s->answer = std::move(answer);
  }

  /// The next answer to write, if it has arrived.
  slot* ready() { return !slots_.empty() && slots_.front().answer ? &slots_.front() : nullptr; }

  /// The next answer is written.
  void pop() { slots_.pop_front(); }

  /// Whether a long-poll still waits for its answer.
  bool long_poll_waiting() const {
    return std::any_of(slots_.begin(), slots_.end(),
                       [](const slot& s) { return s.waits && !s.answer; });
  }

  bool empty() const { return slots_.empty(); }
  size_t size() const { return slots_.size(); }

private:
  slot* find(uint64_t number) {
    for (auto& s : slots_)
      if (s.number == number)
        return &s;
    return nullptr;
  }

  std::deque<slot> slots_;
  uint64_t next_ = 0;
};

} // namespace troupe::http::detail
