#include "worker/run_queue.hpp"

#include <algorithm>

namespace troupe::detail {

void run_queue::push(std::vector<run_order> orders) {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    // By priority: a higher-priority job that arrives while lower ones wait
    // goes first, even before the supervisor's withdrawal of those reaches
    // us. Within a priority, in the order given (the groups' turns, which the
    // supervisor decides), but a job handed out again goes before the later
    // jobs of its group at the back of the queue.
    for (auto& order : orders) {
      auto at = std::find_if(waiting_.rbegin(), waiting_.rend(), [&](const held_order& held) {
        if (held.order.priority != order.priority)
          return held.order.priority > order.priority;
        return held.order.group != order.group || held.order.seq < order.seq;
      });
      highest_lease_ = std::max(highest_lease_, order.lease);
      held_order held{std::move(order)};
      if (early_stops_.erase(held.order.lease) > 0)
        held.token->cancel();
      waiting_.insert(at.base(), std::move(held));
    }
    // Stops for leases below the highest one here can only have been late.
    for (auto i = early_stops_.begin(); i != early_stops_.end();)
      i = *i < highest_lease_ ? early_stops_.erase(i) : std::next(i);
  }
  ready_.notify_one();
}

std::vector<uint64_t> run_queue::withdraw(const std::vector<uint64_t>& leases) {
  std::vector<uint64_t> removed;
  std::lock_guard<std::mutex> guard{mtx_};
  auto keep = std::remove_if(waiting_.begin(), waiting_.end(), [&](const held_order& held) {
    if (std::find(leases.begin(), leases.end(), held.order.lease) == leases.end())
      return false;
    removed.push_back(held.order.lease);
    return true;
  });
  waiting_.erase(keep, waiting_.end());
  // A runner waiting for the go of one of them looks again.
  ready_.notify_one();
  return removed;
}

void run_queue::release(const std::vector<uint64_t>& leases) {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    for (auto lease : leases)
      if (auto i = find_waiting(lease); i != waiting_.end())
        i->released = true;
  }
  ready_.notify_one();
}

std::deque<held_order>::iterator run_queue::find_waiting(uint64_t lease) {
  return std::find_if(waiting_.begin(), waiting_.end(),
                      [&](const held_order& held) { return held.order.lease == lease; });
}

void run_queue::stop(const std::vector<uint64_t>& leases) {
  std::lock_guard<std::mutex> guard{mtx_};
  for (auto lease : leases) {
    if (auto i = running_.find(lease); i != running_.end())
      i->second->cancel();
    for (auto& held : waiting_)
      if (held.order.lease == lease)
        held.token->cancel();
    // Orders come through the journal, stops straight from the supervisor:
    // a stop may overtake its order, which then starts stopped.
    if (lease > highest_lease_)
      early_stops_.insert(lease);
  }
}

void run_queue::close() {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    closed_ = true;
    for (auto& [lease, token] : running_)
      token->cancel();
    waiting_.clear();
    flush_locked();
  }
  ready_.notify_all();
}

bool run_queue::tick() {
  std::lock_guard<std::mutex> guard{mtx_};
  if (!pending_.finished.empty() && clock_type::now() - pending_since_ >= report_delay_)
    flush_locked();
  tick_armed_ = !closed_ && !pending_.finished.empty();
  return tick_armed_;
}

std::optional<held_order> run_queue::next(std::optional<run_result> finished) {
  std::unique_lock<std::mutex> lock{mtx_};
  if (finished) {
    running_.erase(finished->lease);
    if (pending_.finished.empty())
      pending_since_ = clock_type::now();
    bool fault = finished->outcome == static_cast<uint8_t>(run_outcome::worker_fault);
    pending_.finished.push_back(std::move(*finished));
    if (fault) {
      flush_locked();
      return std::nullopt;
    }
  }
  std::deque<held_order>::iterator at;
  for (;;) {
    if (waiting_.empty())
      flush_locked(); // about to idle: nothing may wait for us
    ready_.wait(lock, [this] { return closed_ || !waiting_.empty(); });
    if (closed_)
      return std::nullopt;
    // The gated lease asked for goes next; if it was taken back, the front.
    at = asked_ != 0 ? find_waiting(asked_) : waiting_.begin();
    if (at == waiting_.end()) {
      asked_ = 0;
      continue;
    }
    if (!at->order.gated || at->released)
      break;
    auto lease = at->order.lease;
    if (asked_ != lease) {
      asked_ = lease;
      pending_.ready = lease;
      flush_locked();
    }
    ready_.wait(lock, [&] {
      auto i = find_waiting(lease);
      return closed_ || i == waiting_.end() || i->released;
    });
  }
  asked_ = 0;
  auto held = std::move(*at);
  waiting_.erase(at);
  running_.emplace(held.order.lease, held.token);
  pending_.started = held.order.lease;
  // A batch that cannot fill up with the jobs held goes at once: waiting
  // for it would cost a tick, which costs more wake-ups than the report.
  auto can_fill = pending_.finished.size() + waiting_.size() >= flush_every_;
  if (pending_.finished.empty() || pending_.finished.size() >= flush_every_ || !can_fill
      || clock_type::now() - pending_since_ >= report_delay_)
    flush_locked();
  else if (!tick_armed_) {
    // Results wait while this job runs, which may take long.
    tick_armed_ = true;
    arm_tick_();
  }
  return held;
}

void run_queue::flush_locked() {
  if (pending_.finished.empty() && pending_.started == 0 && pending_.ready == 0)
    return;
  send_(std::move(pending_));
  pending_ = run_report{};
}

} // namespace troupe::detail
