#include "detail/store_queries.hpp"

#include "detail/job_record.hpp"
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

caf::expected<finished_listing> stored_list(store& jobs, const std::string& status,
                                            const std::string& type, int64_t limit) {
  auto rows = jobs.list_finished(status, type, static_cast<size_t>(limit));
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
