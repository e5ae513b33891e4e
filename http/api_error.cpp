#include "detail/api_error.hpp"

#include "troupe/errors.hpp"

#include <caf/sec.hpp>

#include <nlohmann/json.hpp>

namespace troupe::http::detail {

std::string api_error::body() const {
  // A message may quote what the client sent (an id, a field); bytes that
  // are not UTF-8 become U+FFFD rather than fail the answer.
  return nlohmann::json{{"error", {{"code", code}, {"message", message}}}}.dump(
    -1, ' ', false, nlohmann::json::error_handler_t::replace);
}

api_error from_engine_error(const caf::error& err) {
  std::string message = describe(err);
  if (err.category() == error_category) {
    auto text =
      err.context().match_elements<std::string>() ? err.context().get_as<std::string>(0) : message;
    switch (static_cast<errc>(err.code())) {
      case errc::unknown_type:
        return {400, "unknown_type", text};
      case errc::invalid_argument:
        return {400, "invalid_field", text};
      case errc::queue_full:
        return {429, "queue_full", text};
      case errc::shutting_down:
        return {503, "shutting_down", text};
      case errc::not_found:
        return {404, "not_found", text};
      case errc::already_terminal:
        return {409, "conflict", text};
      case errc::not_retryable:
        return {409, "not_retryable", text};
      case errc::standby:
        return {503, "standby", text};
      case errc::store_unavailable:
        return {503, "store_unavailable", text};
      case errc::worker_fault:
      case errc::join_refused:
        break;
    }
  }
  return {503, "engine_unavailable", "the engine did not answer: " + message};
}

} // namespace troupe::http::detail
