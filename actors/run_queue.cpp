#include "detail/run_queue.hpp"

#include <algorithm>

namespace troupe::detail {

void run_queue::push(std::vector<run_order> orders) {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    for (auto& order : orders)
      waiting_.push_back(held_order{std::move(order)});
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
  return removed;
}

void run_queue::stop(const std::vector<uint64_t>& leases) {
  std::lock_guard<std::mutex> guard{mtx_};
  for (auto lease : leases) {
    if (auto i = running_.find(lease); i != running_.end())
      i->second->cancel();
    for (auto& held : waiting_)
      if (held.order.lease == lease)
        held.token->cancel();
  }
}

void run_queue::close() {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    closed_ = true;
    for (auto& [lease, token] : running_)
      token->cancel();
    waiting_.clear();
  }
  ready_.notify_all();
}

std::optional<held_order> run_queue::take() {
  std::unique_lock<std::mutex> lock{mtx_};
  ready_.wait(lock, [this] { return closed_ || !waiting_.empty(); });
  if (closed_)
    return std::nullopt;
  auto held = std::move(waiting_.front());
  waiting_.pop_front();
  running_.emplace(held.order.lease, held.token);
  return held;
}

void run_queue::done(uint64_t lease) {
  std::lock_guard<std::mutex> guard{mtx_};
  running_.erase(lease);
}

bool run_queue::idle() {
  std::lock_guard<std::mutex> guard{mtx_};
  return waiting_.empty();
}

} // namespace troupe::detail
