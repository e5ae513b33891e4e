// An HTTP error answer: status code and the `{"error": {"code", "message"}}`
// body every failure of the API carries.
#pragma once

#include <caf/error.hpp>

#include <string>

namespace troupe::http::detail {

struct api_error {
  int status;
  std::string code;
  std::string message;

  /// The JSON body.
  std::string body() const;
};

/// Maps an engine refusal (or a failed request to the engine) to HTTP.
api_error from_engine_error(const caf::error& err);

} // namespace troupe::http::detail
