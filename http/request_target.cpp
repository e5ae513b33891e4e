#include "detail/request_target.hpp"

#include <boost/url/parse.hpp>

#include <algorithm>

namespace troupe::http::detail {

std::optional<request_target> request_target::parse(const request& req) {
  auto url = boost::urls::parse_origin_form(req.target());
  if (!url)
    return std::nullopt;
  request_target t{{}, *url};
  for (auto segment : url->segments())
    t.segments.push_back(segment);
  return t;
}

std::optional<std::string> request_target::param(const char* name) const {
  auto params = url.params();
  auto i = params.find(name);
  if (i == params.end())
    return std::nullopt;
  return std::string{(*i).value};
}

std::optional<api_error> request_target::int_param(const char* name, int64_t low, int64_t high,
                                                   int64_t& out) const {
  auto text = param(name);
  if (!text)
    return std::nullopt;
  api_error bad{400, "invalid_field",
                std::string{name} + " must be an integer from " + std::to_string(low) + " to "
                  + std::to_string(high)};
  if (text->empty() || text->size() > 19
      || !std::all_of(text->begin(), text->end(), [](char c) { return c >= '0' && c <= '9'; }))
    return bad;
  auto value = std::stoll(*text);
  if (value < low || value > high)
    return bad;
  out = value;
  return std::nullopt;
}

} // namespace troupe::http::detail
