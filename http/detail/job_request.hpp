// Parsing and validating the body of `POST /v1/jobs`.
#pragma once

#include "detail/api_error.hpp"
#include "troupe/job.hpp"

#include <string>
#include <variant>

namespace troupe::http::detail {

/// Reads a request body; on failure returns the 400 answer (`invalid_json`,
/// or `invalid_field` naming the field).
std::variant<job_request, api_error> parse_job_request(const std::string& body, size_t max_depth);

/// Returns the deepest nesting of arrays and objects in a JSON text (strings
/// are skipped), without building it, so hostile input costs one pass.
size_t json_depth(const std::string& text);

} // namespace troupe::http::detail
