// Submissions: validation, idempotency keys, capacity, and the new job's
// first write. A submission is answered once its insert is committed
// (write_behind.cpp); one `submit_many` message carries many jobs and is
// answered once for all of them.
#include "supervisor/supervisor_state.hpp"

#include "troupe/errors.hpp"
#include "troupe/job_request.hpp"

namespace troupe::detail {

namespace {

caf::error validate(self_ptr self, const job_request& req) {
  if (!self->state.workers.knows(req.type))
    return make_error(errc::unknown_type, "no worker serves type '" + req.type + "'");
  if (auto problem = check_options(req.options))
    return make_error(errc::invalid_argument, std::move(problem->message));
  if (!req.payload.empty())
    if (auto problem = json_text_problem(req.payload))
      return make_error(errc::invalid_argument, "payload must be valid JSON: " + *problem);
  return {};
}

/// Accepts or refuses one job. `waits` tells whether the answer must wait for
/// a commit; `matched_key` is set when an idempotency key matched.
submit_outcome admit(self_ptr self, job_request& req, bool& waits, std::string& matched_key) {
  auto& st = self->state;
  waits = false;
  if (auto err = validate(self, req))
    return {{}, false, std::move(err), {}};
  auto& key = req.options.idempotency_key;
  if (!key.empty()) {
    if (auto* k = st.keys.find(key)) {
      auto* first = st.jobs.find(*k);
      waits = first != nullptr && !first->stored;
      matched_key = key;
      return {format_job_id(*k), false, {}, {}};
    }
  }
  if (auto err = refuse_when_full(self))
    return {{}, false, std::move(err), {}};
  auto [seq, tag] = st.jobs.next_key();
  job_entry job;
  job.tag = tag;
  auto& rec = job.record;
  rec.type = std::move(req.type);
  rec.payload = req.payload.empty() ? "null" : std::move(req.payload);
  rec.priority = req.options.priority;
  rec.max_attempts = req.options.max_attempts;
  if (!req.options.group.empty())
    rec.group = req.options.group;
  rec.created_at_ms = to_epoch_ms(st.now());
  job.options = std::move(req.options);
  stored_job row;
  // Stores key rows by sequence; the id is written once, with the insert.
  row.id = format_job_id({seq, tag});
  row.seq = seq;
  row.type = rec.type;
  row.payload = rec.payload;
  row.options = job.options;
  row.options.delay_ms = 0;
  row.created_at_ms = rec.created_at_ms;
  row.ready_at_ms = rec.created_at_ms + job.options.delay_ms;
  write(self, job_inserted{std::move(row)});
  st.counters.add(job_status::pending);
  st.counters.submitted(rec.type);
  auto& entry = st.jobs.insert(seq, std::move(job));
  st.keys.remember(entry.options.idempotency_key, job_key{seq, entry.tag});
  queue_at(self, seq, entry, st.now() + std::chrono::milliseconds{entry.options.delay_ms});
  waits = true;
  return {format_job_id({seq, entry.tag}), true, {}, {}};
}

} // namespace

caf::result<std::string, bool> on_submit(self_ptr self, std::string& type, std::string& payload,
                                         job_options& opts) {
  if (auto err = self->state.gate.refusal())
    return err;
  job_request req{std::move(type), std::move(payload), std::move(opts)};
  bool waits = false;
  std::string matched_key;
  auto outcome = admit(self, req, waits, matched_key);
  if (outcome.error)
    return std::move(outcome.error);
  dispatch(self);
  if (!waits)
    return {std::move(outcome.id), outcome.created};
  auto promise = self->make_response_promise();
  self->state.writes.add_submit(
    pending_submit{promise, true, {std::move(outcome)}, {std::move(matched_key)}});
  schedule_flush(self);
  return promise;
}

caf::result<std::vector<submit_outcome>> on_submit_many(self_ptr self,
                                                        std::vector<job_request>& jobs) {
  if (auto err = self->state.gate.refusal())
    return err;
  pending_submit pending;
  pending.single = false;
  pending.outcomes.reserve(jobs.size());
  pending.matched_keys.resize(jobs.size());
  bool any_waits = false;
  for (size_t i = 0; i < jobs.size(); ++i) {
    bool waits = false;
    pending.outcomes.push_back(admit(self, jobs[i], waits, pending.matched_keys[i]));
    any_waits = any_waits || waits;
  }
  dispatch(self);
  if (!any_waits) {
    add_snapshots(self, pending.outcomes);
    return std::move(pending.outcomes);
  }
  pending.promise = self->make_response_promise();
  auto promise = pending.promise;
  self->state.writes.add_submit(std::move(pending));
  schedule_flush(self);
  return promise;
}

} // namespace troupe::detail
