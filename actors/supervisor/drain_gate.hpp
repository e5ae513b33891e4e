// Whether the engine takes work, and the one drain that may be under way.
//
// A drain has three steps that other parts must agree on: the gate closes
// (new submissions and dispatches stop), the drain settles (running jobs
// finished or were stopped), and its answer waits for the last commits. The
// steps are kept here, so "may I dispatch?", "is a drain waiting on me?" and
// "is the engine drained for good?" each have one answer.
#pragma once

#include "troupe/errors.hpp"

#include <caf/response_promise.hpp>

#include <optional>
#include <string>
#include <utility>

namespace troupe::detail {

class drain_gate {
public:
  /// Whether submissions are accepted and jobs are dispatched.
  bool open() const { return open_; }

  /// A `shutting_down` error once the gate is closed; none while open.
  caf::error refusal() const {
    if (open_)
      return {};
    return make_error(errc::shutting_down, "the engine is shutting down");
  }

  /// Closes the gate for a drain answered through `answer`.
  void begin(caf::response_promise answer) {
    open_ = false;
    answer_ = std::move(answer);
    settled_ = false;
  }

  /// A drain waits for running jobs to end (it has not settled yet).
  bool waiting_for_jobs() const { return answer_.has_value() && !settled_; }

  /// The drain is over; its answer waits for the last commits.
  void settle() { settled_ = true; }

  /// A settled drain whose answer is still owed.
  bool owes_answer() const { return answer_.has_value() && settled_; }

  /// Answers the drain once settled; the gate stays closed.
  void answer(std::string stats) {
    answer_->deliver(std::move(stats));
    answer_.reset();
    settled_ = false;
  }

  /// Closed and no drain under way: nothing changes jobs until the next start.
  bool drained() const { return !open_ && !answer_.has_value(); }

  /// The actor is stopping: marks it once, returns whether this was the first.
  bool stop() { return !std::exchange(stopping_, true); }

private:
  bool open_ = true;
  std::optional<caf::response_promise> answer_;
  bool settled_ = false;
  bool stopping_ = false;
};

} // namespace troupe::detail
