// The hand-over between two threads that wakes the other side once per batch.
//
// The HTTP front has two sides: the I/O thread, which reads and writes
// sockets, and the gateway actor, which talks to the engine. Waking the other
// side for every request (or every answer) costs a context switch each,
// which is most of what a small request costs. So each direction is a queue
// whose producer learns whether the queue was empty: only then does it wake
// the consumer (a message to the actor, a post to the I/O context), which
// then takes everything queued in one go. Under load one wake carries many
// items; when idle, an item travels at once.
#pragma once

#include <mutex>
#include <utility>
#include <vector>

namespace troupe::http::detail {

template <class T> class batch_queue {
public:
  /// Appends `item`; returns true if the queue was empty, in which case the
  /// caller must wake the consumer (no one else will).
  bool push(T item) {
    std::lock_guard<std::mutex> guard{mtx_};
    items_.push_back(std::move(item));
    return items_.size() == 1;
  }

  /// Takes everything queued; the next `push` returns true again.
  std::vector<T> take() {
    std::vector<T> taken;
    std::lock_guard<std::mutex> guard{mtx_};
    // The next batch is likely as large: keep the capacity on this side.
    taken.reserve(items_.size());
    taken.swap(items_);
    return taken;
  }

private:
  std::mutex mtx_;
  std::vector<T> items_;
};

} // namespace troupe::http::detail
