// A job row for store tests: every field set to a value that tells it from
// its neighbours, so a store that drops or mixes up a field is caught.
#pragma once

#include <troupe/store.hpp>

#include <string>

namespace troupe::test {

inline stored_job new_job(const std::string& id, uint64_t seq) {
  stored_job job;
  job.id = id;
  job.seq = seq;
  job.type = "echo";
  job.payload = R"({"n":)" + std::to_string(seq) + "}";
  job.options.priority = 7;
  job.options.max_attempts = 4;
  job.options.timeout_ms = 1234;
  job.options.idempotency_key = "key-" + id;
  job.options.group = "group-" + std::to_string(seq % 2);
  job.created_at_ms = 1000 + static_cast<int64_t>(seq);
  job.ready_at_ms = 2000 + static_cast<int64_t>(seq);
  return job;
}

} // namespace troupe::test
