// Questions about jobs: status, long-poll, watch, cancel, list, stats.
//
// Jobs not finished yet are answered from the supervisor's own table; the
// job actor is spawned only while someone waits on or watches such a job.
// Finished jobs are answered from the store: by the journal for a durable
// store (delegated, so the supervisor keeps no request open), directly for
// the memory store.
#include "supervisor/supervisor_state.hpp"

#include "store/store_queries.hpp"
#include "supervisor/job_actor.hpp"
#include "troupe/errors.hpp"
#include <algorithm>
#include <limits>

namespace troupe::detail {

namespace {

caf::error no_such_job(const std::string& id) {
  return make_error(errc::not_found, "no job with id " + id);
}

/// Hands a query on a job the engine no longer holds to the store. `local`
/// answers it for the memory store.
template <class Local, class... Ts>
caf::result<std::string> ask_store(self_ptr self, Local local, Ts... query) {
  auto& st = self->state;
  // Whatever this supervisor changed must reach the store first.
  flush(self);
  if (!st.journal)
    return local(st.store());
  auto promise = self->make_response_promise();
  promise.delegate(st.journal, query...);
  return promise;
}

/// Answers for a job that is no longer in the table: from the recent results
/// if kept there, else from the store.
caf::result<std::string> finished(self_ptr self, const job_key& key, const std::string& id) {
  if (auto* rec = self->state.finished.recent(key.seq, id))
    return to_json(*rec);
  return ask_store(
    self,
    [&](store& jobs) -> caf::result<std::string> {
      auto job = stored_snapshot(jobs, id);
      if (!job)
        return job.error();
      return std::move(*job);
    },
    status_atom::value, id);
}

/// The job actor of a job, spawned on first need.
const caf::actor& observer(self_ptr self, uint64_t seq, job_entry& job) {
  if (!job.observer)
    job.observer = self->spawn(job_actor, format_job_id({seq, job.tag}));
  return job.observer;
}

} // namespace

caf::result<std::string> on_status(self_ptr self, const std::string& id) {
  auto key = parse_job_id(id);
  if (!key)
    return no_such_job(id);
  if (auto* job = self->state.jobs.find(*key))
    return snapshot(key->seq, *job);
  return finished(self, *key, id);
}

caf::result<std::string> on_wait(self_ptr self, const std::string& id, int64_t wait_ms) {
  auto key = parse_job_id(id);
  if (!key)
    return no_such_job(id);
  auto* job = self->state.jobs.find(*key);
  if (job == nullptr)
    return finished(self, *key, id);
  auto& st = self->state;
  // After a drain nothing will change the job before the next start.
  if (wait_ms <= 0 || st.gate.drained())
    return snapshot(key->seq, *job);
  auto deadline = st.now() + std::chrono::milliseconds{std::min<int64_t>(wait_ms, 3600000)};
  auto number = st.timers.add_wait(key->seq, deadline);
  arm(self);
  auto promise = self->make_response_promise();
  promise.delegate(observer(self, key->seq, *job), wait_atom::value, number);
  return promise;
}

caf::result<caf::ok_atom> on_watch(self_ptr self, const std::string& id) {
  auto& st = self->state;
  auto key = parse_job_id(id);
  if (!key)
    return no_such_job(id);
  if (auto* job = st.jobs.find(*key)) {
    auto promise = self->make_response_promise();
    promise.delegate(observer(self, key->seq, *job), watch_atom::value);
    return promise;
  }
  auto watcher = caf::actor_cast<caf::actor>(self->current_sender());
  if (auto* rec = st.finished.recent(key->seq, id)) {
    self->send(watcher, finished_atom::value, to_json(*rec));
    return caf::ok_atom::value;
  }
  flush(self);
  if (st.journal) {
    auto promise = self->make_response_promise();
    promise.delegate(st.journal, watch_atom::value, id);
    return promise;
  }
  auto job = stored_snapshot(st.store(), id);
  if (!job)
    return job.error();
  self->send(watcher, finished_atom::value, std::move(*job));
  return caf::ok_atom::value;
}

caf::result<std::string> on_cancel(self_ptr self, const std::string& id) {
  auto& st = self->state;
  auto key = parse_job_id(id);
  auto* job = key ? st.jobs.find(*key) : nullptr;
  if (job == nullptr) {
    if (!key)
      return no_such_job(id);
    if (auto* rec = st.finished.recent(key->seq, id))
      return make_error(errc::already_terminal,
                        std::string{"the job is already "} + to_string(rec->status));
    return ask_store(
      self,
      [&](store& jobs) -> caf::result<std::string> { return stored_cancel_refusal(jobs, id); },
      cancel_atom::value, id);
  }
  if (job->status() == job_status::running) {
    job->record.cancel_requested = true;
    write(self, cancel_arrived{key->seq});
    send_stop(self, job->lease);
    return snapshot(key->seq, *job);
  }
  if (job->lease != 0) {
    // Handed to a worker but not started: take it back, stop it if it raced.
    auto lease = job->lease;
    send_withdrawal(self, st.leases.find(lease)->slot, {lease});
    send_stop(self, lease);
    release_lease(self, lease);
    job->lease = 0;
  }
  finish(self, key->seq, *job, job_status::cancelled, {}, "cancelled");
  return on_status(self, id);
}

caf::result<std::string> on_list(self_ptr self, const job_filter& filter) {
  auto& st = self->state;
  auto limit = filter.limit;
  std::optional<job_status> wanted;
  if (!filter.status.empty()) {
    wanted = parse_job_status(filter.status);
    if (!wanted)
      return make_error(errc::invalid_argument, "status must be one of pending, running, "
                                                "success, failed, cancelled");
  }
  if (limit < 1)
    return make_error(errc::invalid_argument, "limit must be at least 1");
  auto before_seq = std::numeric_limits<uint64_t>::max();
  if (!filter.before.empty()) {
    auto key = parse_job_id(filter.before);
    if (!key)
      return make_error(errc::invalid_argument, "before must be a job id");
    before_seq = key->seq;
  }
  // Unfinished jobs from memory, newest first...
  std::vector<std::pair<uint64_t, const job_entry*>> unfinished;
  if (!wanted || !is_terminal(*wanted))
    for (auto& [seq, job] : st.jobs)
      if (seq < before_seq && filter.matches(job.status(), job.record.type, job.options.group))
        unfinished.emplace_back(seq, &job);
  auto count = std::min(unfinished.size(), static_cast<size_t>(limit));
  std::partial_sort(unfinished.begin(), unfinished.begin() + static_cast<ptrdiff_t>(count),
                    unfinished.end(), [](auto& a, auto& b) { return a.first > b.first; });
  std::vector<std::pair<uint64_t, std::string>> matches;
  for (size_t i = 0; i < count; ++i)
    matches.emplace_back(unfinished[i].first, snapshot(unfinished[i].first, *unfinished[i].second));
  // ... merged with finished ones from the store.
  auto merge = [matches = std::move(matches), limit](finished_listing finished) mutable {
    for (size_t i = 0; i < finished.ids.size(); ++i)
      if (auto key = parse_job_id(finished.ids[i]))
        matches.emplace_back(key->seq, std::move(finished.jobs[i]));
    std::sort(matches.begin(), matches.end(), [](auto& a, auto& b) { return a.first > b.first; });
    std::string jobs = "[";
    for (size_t i = 0; i < matches.size() && i < static_cast<size_t>(limit); ++i)
      jobs.append(i == 0 ? "" : ",").append(matches[i].second);
    return jobs + "]";
  };
  if (wanted && !is_terminal(*wanted))
    return merge({});
  flush(self);
  if (!st.journal) {
    auto finished = stored_list(st.store(), filter, before_seq);
    if (!finished)
      return finished.error();
    return merge(std::move(*finished));
  }
  auto promise = self->make_response_promise();
  self->request(st.journal, caf::infinite, finished_list_atom::value, filter, before_seq)
    .then(
      [=](std::vector<std::string>& ids, std::vector<std::string>& jobs) mutable {
        promise.deliver(merge({std::move(ids), std::move(jobs)}));
      },
      [=](caf::error& err) mutable { promise.deliver(std::move(err)); });
  return promise;
}

} // namespace troupe::detail
