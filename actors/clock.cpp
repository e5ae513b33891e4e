#include "troupe/clock.hpp"

#include <caf/actor_cast.hpp>
#include <caf/actor_clock.hpp>
#include <caf/actor_system.hpp>
#include <caf/mailbox_element.hpp>
#include <caf/send.hpp>

#include <vector>

namespace troupe {

clock::~clock() = default;

int64_t to_epoch_ms(clock::time_point t) {
  using namespace std::chrono;
  return duration_cast<milliseconds>(t.time_since_epoch()).count();
}

namespace {

class system_clock final : public clock {
public:
  time_point now() const override { return std::chrono::system_clock::now(); }

  void schedule(time_point when, const caf::actor& target, caf::message msg) override {
    if (!target)
      return;
    auto delay = std::max(when - now(), duration::zero());
    auto& timers = target->home_system().clock();
    // CAF's timer thread keeps the target alive only until the message fires;
    // a terminated target drops it.
    timers.schedule_message(
      timers.now() + delay, caf::actor_cast<caf::strong_actor_ptr>(target),
      caf::make_mailbox_element(nullptr, caf::make_message_id(), {}, std::move(msg)));
  }
};

} // namespace

std::shared_ptr<clock> make_system_clock() {
  return std::make_shared<system_clock>();
}

manual_clock::manual_clock(time_point start) : now_(start) {}

clock::time_point manual_clock::now() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return now_;
}

void manual_clock::schedule(time_point when, const caf::actor& target, caf::message msg) {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (when > now_) {
      entries_.emplace(when, entry{target.address(), std::move(msg)});
      scheduled_.notify_all();
      return;
    }
  }
  // Already due: deliver at once, as the system clock would.
  caf::anon_send(target, std::move(msg));
}

void manual_clock::advance(duration d) {
  advance_to(now() + d);
}

void manual_clock::advance_to(time_point t) {
  std::vector<entry> due;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (t > now_)
      now_ = t;
    auto end = entries_.upper_bound(now_);
    for (auto i = entries_.begin(); i != end; ++i)
      due.push_back(std::move(i->second));
    entries_.erase(entries_.begin(), end);
  }
  // Sent outside the lock: receivers may schedule again from their handlers.
  for (auto& e : due)
    if (auto target = caf::actor_cast<caf::actor>(e.target))
      caf::anon_send(target, std::move(e.msg));
}

std::optional<clock::time_point>
manual_clock::await_scheduled_before(time_point limit, std::chrono::milliseconds real_timeout) {
  std::unique_lock<std::mutex> guard{mtx_};
  auto found = [&] { return !entries_.empty() && entries_.begin()->first < limit; };
  if (!scheduled_.wait_for(guard, real_timeout, found))
    return std::nullopt;
  return entries_.begin()->first;
}

} // namespace troupe
