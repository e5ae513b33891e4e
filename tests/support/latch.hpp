// Synchronisation between a test and the handlers it runs on worker threads.
// Every wait is bounded, so a broken engine fails a test instead of hanging it.
#pragma once

#include <troupe/handler.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace troupe::test {

/// Counts arrivals; tests wait until a number of them happened.
class counter {
public:
  void arrive() {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      ++count_;
    }
    cv_.notify_all();
  }

  /// Returns whether `n` arrivals happened within `timeout`.
  bool wait_for(size_t n, std::chrono::milliseconds timeout = std::chrono::seconds{10}) {
    std::unique_lock<std::mutex> guard{mtx_};
    return cv_.wait_for(guard, timeout, [&] { return count_ >= n; });
  }

private:
  std::mutex mtx_;
  std::condition_variable cv_;
  size_t count_ = 0;
};

/// Closed until the test opens it; handlers wait on it.
class gate {
public:
  void open() {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      open_ = true;
    }
    cv_.notify_all();
  }

  /// Waits until open; returns false if `ctx` was cancelled first.
  bool pass(const job_context& ctx) {
    std::unique_lock<std::mutex> guard{mtx_};
    while (!open_) {
      if (ctx.cancelled())
        return false;
      // The cancellation token is a plain flag, so check it every millisecond.
      cv_.wait_for(guard, std::chrono::milliseconds{1});
    }
    return true;
  }

  /// Waits until open, ignoring cancellation (a handler that misbehaves).
  void pass_ignoring_cancel() {
    std::unique_lock<std::mutex> guard{mtx_};
    cv_.wait(guard, [&] { return open_; });
  }

private:
  std::mutex mtx_;
  std::condition_variable cv_;
  bool open_ = false;
};

} // namespace troupe::test
