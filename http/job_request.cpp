#include "detail/job_request.hpp"

#include <nlohmann/json.hpp>

#include <set>

namespace troupe::http::detail {

namespace {

using json = nlohmann::json;

api_error invalid_field(const std::string& field, const std::string& rule) {
  return {400, "invalid_field", field + " " + rule};
}

/// Reads an optional integer field within [low, high] into `out`.
std::optional<api_error> read_int(const json& body, const char* field, int64_t low, int64_t high,
                                  int64_t& out) {
  auto i = body.find(field);
  if (i == body.end())
    return std::nullopt;
  auto rule = "must be an integer from " + std::to_string(low)
              + (high == INT64_MAX ? " up" : " to " + std::to_string(high));
  if (!i->is_number_integer())
    return invalid_field(field, rule);
  if (i->is_number_unsigned() && i->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
    return invalid_field(field, rule);
  auto value = i->get<int64_t>();
  if (value < low || value > high)
    return invalid_field(field, rule);
  out = value;
  return std::nullopt;
}

} // namespace

size_t json_depth(const std::string& text) {
  size_t depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

std::variant<job_request, api_error> parse_job_request(const std::string& body, size_t max_depth) {
  if (json_depth(body) > max_depth)
    return api_error{400, "invalid_json",
                     "JSON nested deeper than " + std::to_string(max_depth) + " levels"};
  auto parsed = json::parse(body, nullptr, false);
  if (parsed.is_discarded())
    return api_error{400, "invalid_json", "the body is not valid JSON"};
  if (!parsed.is_object())
    return api_error{400, "invalid_json", "the body must be a JSON object"};
  static const std::set<std::string> known{
    "type", "payload", "priority", "max_attempts", "timeout_ms", "delay_ms", "idempotency_key"};
  for (auto& [key, value] : parsed.items())
    if (known.count(key) == 0)
      return invalid_field(key, "is not a known field");
  job_request req;
  auto type = parsed.find("type");
  if (type == parsed.end() || !type->is_string() || type->get<std::string>().empty())
    return invalid_field("type", "is required and must be a non-empty string");
  req.type = type->get<std::string>();
  auto payload = parsed.find("payload");
  req.payload = payload == parsed.end() ? "null" : payload->dump();
  int64_t priority = req.options.priority, max_attempts = req.options.max_attempts;
  if (auto err = read_int(parsed, "priority", 0, 9, priority))
    return *err;
  if (auto err = read_int(parsed, "max_attempts", 1, 100, max_attempts))
    return *err;
  if (auto err = read_int(parsed, "timeout_ms", 1, INT64_MAX, req.options.timeout_ms))
    return *err;
  if (auto err = read_int(parsed, "delay_ms", 0, INT64_MAX, req.options.delay_ms))
    return *err;
  req.options.priority = static_cast<int32_t>(priority);
  req.options.max_attempts = static_cast<int32_t>(max_attempts);
  auto key = parsed.find("idempotency_key");
  if (key != parsed.end()) {
    if (!key->is_string() || key->get<std::string>().size() > 200)
      return invalid_field("idempotency_key", "must be a string of at most 200 characters");
    req.options.idempotency_key = key->get<std::string>();
  }
  return req;
}

} // namespace troupe::http::detail
