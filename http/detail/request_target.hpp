// A request's target taken apart once: its decoded path segments, and its
// query parameters read by the API's rules (an integer within bounds, or a
// 400 that says which). The routes match and read only this.
#pragma once

#include "detail/api_error.hpp"
#include "detail/server.hpp"

#include <boost/url/url_view.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace troupe::http::detail {

struct request_target {
  std::vector<std::string> segments;
  boost::urls::url_view url;

  /// Reads the target of `req`; nothing if it is not a valid origin-form URL.
  static std::optional<request_target> parse(const request& req);

  /// The value of query parameter `name`, if given.
  std::optional<std::string> param(const char* name) const;

  /// Reads query parameter `name`, if given, as an integer in [low, high]
  /// into `out`; a 400 naming the rule otherwise.
  std::optional<api_error> int_param(const char* name, int64_t low, int64_t high,
                                     int64_t& out) const;

  /// Whether the path is `/v1/<collection>/<name>` (with `more` segments after).
  bool names_one_of(const char* collection, size_t more = 0) const {
    return segments.size() == 3 + more && segments[0] == "v1" && segments[1] == collection;
  }
};

} // namespace troupe::http::detail
