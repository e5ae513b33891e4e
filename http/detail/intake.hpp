// The way from HTTP handler threads into the engine.
//
// A handler thread must not block inside the actor system, and one actor (or
// one CAF timer entry) per request costs more than the request itself. So
// handler threads append their requests here and wait on a reply slot; the
// gateway actor, woken once per batch rather than once per request, sends
// all queued submissions to the supervisor as one `submit_many` and each
// query as one request, and fills the slots from the replies. The waiting
// thread enforces its own timeout, so no request carries a CAF timeout.
#pragma once

#include "troupe/job.hpp"

#include <caf/actor.hpp>
#include <caf/atom.hpp>
#include <caf/behavior.hpp>
#include <caf/expected.hpp>
#include <caf/fwd.hpp>
#include <caf/message.hpp>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace troupe::http::detail {

/// Wakes the gateway actor to take what is queued: `(flush_atom)`.
using flush_atom = caf::atom_constant<caf::atom("flush")>;

/// A reply slot of any type, as the intake tracks it until it is answered.
class open_slot {
public:
  virtual ~open_slot() = default;

  /// Answers the waiting thread with an error, unless it has its reply.
  virtual void refuse(caf::error reason) = 0;
};

/// Where one reply arrives: filled once (later fills are ignored), read by
/// the thread that waits for it.
template <class T> class reply_slot : public open_slot {
public:
  /// Fills the slot unless it is filled already.
  void fill(caf::expected<T> value) {
    {
      std::lock_guard<std::mutex> guard{mtx_};
      if (value_ || taken_)
        return;
      value_ = std::make_unique<caf::expected<T>>(std::move(value));
    }
    ready_.notify_one();
  }

  void refuse(caf::error reason) override { fill(std::move(reason)); }

  /// Waits up to `timeout`; returns the reply, or nothing if none came.
  std::unique_ptr<caf::expected<T>> wait(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> guard{mtx_};
    ready_.wait_for(guard, timeout, [this] { return value_ != nullptr; });
    taken_ = true;
    return std::move(value_);
  }

private:
  std::mutex mtx_;
  std::condition_variable ready_;
  std::unique_ptr<caf::expected<T>> value_;
  bool taken_ = false;
};

/// Requests from handler threads, queued for the gateway actor.
class intake {
public:
  using submit_slot = reply_slot<submit_outcome>;
  using query_slot = reply_slot<std::string>;

  /// A submission waiting for the next batch.
  struct queued_submit {
    job_request job;
    std::shared_ptr<submit_slot> slot;
  };

  /// A query (its reply is one string) waiting to be sent.
  struct queued_query {
    caf::message message;
    std::shared_ptr<query_slot> slot;
  };

  /// Everything queued since the last `take`.
  struct batch {
    std::vector<queued_submit> submits;
    std::vector<queued_query> queries;
  };

  // -- called by handler threads --

  /// Submits one job and waits for its outcome.
  caf::expected<submit_outcome> submit(job_request job, std::chrono::milliseconds timeout);

  /// Sends a query whose reply is one string (status, wait, cancel, list,
  /// stats) and waits for it.
  caf::expected<std::string> query(caf::message message, std::chrono::milliseconds timeout);

  // -- called by the gateway actor --

  /// Sets whom to wake when the queue stops being empty.
  void attach(caf::actor gateway);

  /// Takes everything queued.
  batch take();

  /// Fills a slot with its reply; `close` no longer needs to refuse it.
  template <class T>
  void answer(const std::shared_ptr<reply_slot<T>>& slot, caf::expected<T> reply) {
    slot->fill(std::move(reply));
    std::lock_guard<std::mutex> guard{mtx_};
    open_.erase(slot.get());
  }

  /// Refuses everything queued or in flight, and every later request, with
  /// `shutting_down`.
  void close();

private:
  template <class T, class Entry>
  caf::expected<T> enqueue(Entry entry, std::vector<Entry> batch::*queue,
                           std::chrono::milliseconds timeout);

  std::mutex mtx_;
  batch queued_;
  caf::actor gateway_;
  bool closed_ = false;
  /// Every slot not answered yet, queued or sent.
  std::unordered_map<open_slot*, std::shared_ptr<open_slot>> open_;
};

/// The actor that sends what handler threads queue in `requests` to the
/// supervisor: all submissions as one `submit_many`, each query as its own
/// request, replies into the threads' slots. Cooperative, so that the
/// supervisor's replies reach it without waking another thread.
caf::behavior intake_actor(caf::event_based_actor* self, caf::actor supervisor,
                           std::shared_ptr<intake> requests);

} // namespace troupe::http::detail
