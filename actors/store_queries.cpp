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

} // namespace troupe::detail
