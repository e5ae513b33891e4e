#include "detail/intake.hpp"

#include "troupe/errors.hpp"
#include "troupe/protocol.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/sec.hpp>
#include <caf/send.hpp>

namespace troupe::http::detail {

namespace {

caf::error shut_down() {
  return make_error(errc::shutting_down, "the server is shutting down");
}

/// Sends what handler threads queued: all submissions as one batch, each
/// query as its own request. Replies fill the threads' slots.
void send_queued(caf::event_based_actor* self, const caf::actor& supervisor,
                 const std::shared_ptr<intake>& requests) {
  auto batch = requests->take();
  if (!batch.submits.empty()) {
    std::vector<job_request> jobs;
    std::vector<std::shared_ptr<intake::submit_slot>> slots;
    jobs.reserve(batch.submits.size());
    slots.reserve(batch.submits.size());
    for (auto& queued : batch.submits) {
      jobs.push_back(std::move(queued.job));
      slots.push_back(std::move(queued.slot));
    }
    self->request(supervisor, caf::infinite, submit_many_atom::value, std::move(jobs))
      .then(
        [requests, slots](std::vector<submit_outcome>& outcomes) {
          for (size_t i = 0; i < slots.size(); ++i)
            requests->answer(slots[i], i < outcomes.size()
                                         ? caf::expected<submit_outcome>{std::move(outcomes[i])}
                                         : caf::make_error(caf::sec::invalid_argument));
        },
        [requests, slots](caf::error& err) {
          for (auto& slot : slots)
            requests->answer(slot, caf::expected<submit_outcome>{err});
        });
  }
  for (auto& queued : batch.queries)
    self->request(supervisor, caf::infinite, std::move(queued.message))
      .then(
        [requests, slot = queued.slot](std::string& reply) {
          requests->answer(slot, caf::expected<std::string>{std::move(reply)});
        },
        [requests, slot = queued.slot](caf::error& err) {
          requests->answer(slot, caf::expected<std::string>{std::move(err)});
        });
}

} // namespace

caf::behavior intake_actor(caf::event_based_actor* self, caf::actor supervisor,
                           std::shared_ptr<intake> requests) {
  return {
    [=](flush_atom) { send_queued(self, supervisor, requests); },
  };
}

template <class T, class Entry>
caf::expected<T> intake::enqueue(Entry entry, std::vector<Entry> batch::*queue,
                                 std::chrono::milliseconds timeout) {
  auto slot = entry.slot;
  caf::actor wake;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (closed_)
      return shut_down();
    auto& entries = queued_.*queue;
    if (queued_.submits.empty() && queued_.queries.empty())
      wake = gateway_;
    entries.push_back(std::move(entry));
    open_.emplace(slot.get(), slot);
  }
  if (wake)
    caf::anon_send(wake, flush_atom::value);
  auto reply = slot->wait(timeout);
  if (!reply)
    return caf::make_error(caf::sec::request_timeout);
  return std::move(*reply);
}

caf::expected<submit_outcome> intake::submit(job_request job, std::chrono::milliseconds timeout) {
  return enqueue<submit_outcome>(queued_submit{std::move(job), std::make_shared<submit_slot>()},
                                 &batch::submits, timeout);
}

caf::expected<std::string> intake::query(caf::message message, std::chrono::milliseconds timeout) {
  return enqueue<std::string>(queued_query{std::move(message), std::make_shared<query_slot>()},
                              &batch::queries, timeout);
}

void intake::attach(caf::actor gateway) {
  std::lock_guard<std::mutex> guard{mtx_};
  gateway_ = std::move(gateway);
}

intake::batch intake::take() {
  std::lock_guard<std::mutex> guard{mtx_};
  return std::exchange(queued_, batch{});
}

void intake::close() {
  decltype(open_) open;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    closed_ = true;
    gateway_ = nullptr;
    queued_ = batch{};
    open.swap(open_);
  }
  for (auto& entry : open)
    entry.second->refuse(shut_down());
}

} // namespace troupe::http::detail
