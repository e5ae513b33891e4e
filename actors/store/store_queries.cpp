#include "store/store_queries.hpp"

#include "job_record.hpp"
#include "troupe/errors.hpp"

namespace troupe::detail {

caf::expected<std::string> stored_snapshot(store& jobs, const std::string& id) {
  auto job = jobs.find(id);
  if (!job)
    return job.error();
  if (!*job)
    return make_error(errc::not_found, "no job with id " + id);
  return to_json(to_record(**job));
}

caf::error stored_cancel_refusal(store& jobs, const std::string& id) {
  auto job = jobs.find(id);
  if (!job)
    return job.error();
  if (!*job)
    return make_error(errc::not_found, "no job with id " + id);
  return make_error(errc::already_terminal,
                    std::string{"the job is already "} + to_string((*job)->status));
}

caf::error retry_refusal(job_status status) {
  auto state = status == job_status::success ? std::string{"succeeded"}
                                             : std::string{"is "} + to_string(status);
  return make_error(errc::not_retryable,
                    "the job " + state + "; only failed or cancelled jobs can be retried");
}

caf::expected<stored_job> stored_requeue(store& jobs, const std::string& id, int64_t now_ms) {
  auto found = jobs.find(id);
  if (!found)
    return found.error();
  if (!*found)
    return make_error(errc::not_found, "no job with id " + id);
  auto& row = **found;
  if (row.status != job_status::failed && row.status != job_status::cancelled)
    return retry_refusal(row.status);
  row.status = job_status::pending;
  row.attempts = 0;
  row.result.clear();
  row.error.reset();
  row.started_at_ms.reset();
  row.finished_at_ms.reset();
  row.worker.reset();
  row.cancel_requested = false;
  row.ready_at_ms = now_ms;
  if (auto err = jobs.apply({job_requeued{row}}))
    return err;
  return std::move(row);
}

caf::expected<finished_listing> stored_list(store& jobs, const job_filter& filter,
                                            uint64_t before_seq) {
  auto rows = jobs.list_finished(filter, before_seq);
  if (!rows)
    return rows.error();
  finished_listing listing;
  for (auto& row : *rows) {
    listing.ids.push_back(row.id);
    listing.jobs.push_back(to_json(to_record(row)));
  }
  return listing;
}

} // namespace troupe::detail
