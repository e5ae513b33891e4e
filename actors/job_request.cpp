#include "troupe/job_request.hpp"

#include "strict_json.hpp"

#include <algorithm>

namespace troupe {

namespace {

using detail::read;
using detail::strict_reader;
using detail::top_value;
using problem_kind = request_problem::kind;

/// Sets the option of `int_option_rules[index]`; the value is within its rule.
void set_int_option(job_options& o, size_t index, int64_t value) {
  switch (index) {
    case 0:
      o.priority = static_cast<int32_t>(value);
      break;
    case 1:
      o.max_attempts = static_cast<int32_t>(value);
      break;
    case 2:
      o.timeout_ms = value;
      break;
    default:
      o.delay_ms = value;
  }
}

request_problem invalid_field(const std::string& field, const std::string& rule) {
  return {problem_kind::invalid_field, field, field + " " + rule};
}

} // namespace

std::string describe_rule(const int_option_rule& rule) {
  return "must be an integer from " + std::to_string(rule.low) + " to " + std::to_string(rule.high);
}

std::optional<request_problem> check_options(const job_options& o) {
  auto in = [](const int_option_rule& rule, int64_t value) -> std::optional<request_problem> {
    if (value < rule.low || value > rule.high)
      return invalid_field(rule.name, describe_rule(rule));
    return std::nullopt;
  };
  if (auto p = in(priority_rule, o.priority))
    return p;
  if (auto p = in(max_attempts_rule, o.max_attempts))
    return p;
  if (auto p = in(timeout_ms_rule, o.timeout_ms))
    return p;
  if (auto p = in(delay_ms_rule, o.delay_ms))
    return p;
  if (o.idempotency_key.size() > max_idempotency_key_bytes)
    return invalid_field("idempotency_key", "must be a string of at most "
                                              + std::to_string(max_idempotency_key_bytes)
                                              + " bytes");
  // An empty group is none; a named one follows the rule.
  if (!o.group.empty())
    if (auto problem = group_name_problem(o.group))
      return invalid_field("group", *problem);
  return std::nullopt;
}

std::optional<std::string> group_name_problem(const std::string& group) {
  auto printable = [](char c) { return c >= 0x20 && c <= 0x7e; };
  if (group.empty() || group.size() > max_group_bytes
      || !std::all_of(group.begin(), group.end(), printable))
    return "must be 1 to " + std::to_string(max_group_bytes) + " printable ASCII characters";
  return std::nullopt;
}

std::optional<std::string> json_text_problem(std::string_view text, size_t max_depth) {
  size_t consumed = 0;
  strict_reader reader{text, consumed, max_depth, false};
  read(text, reader, consumed);
  if (auto& p = reader.problem())
    return p->field.empty() ? p->message : p->field + " " + p->message;
  return std::nullopt;
}

std::variant<job_request, request_problem> parse_job_request(std::string_view body,
                                                             size_t max_depth) {
  size_t consumed = 0;
  strict_reader reader{body, consumed, max_depth, true};
  read(body, reader, consumed);
  if (auto& p = reader.problem()) {
    auto problem = *p;
    if (problem.what == problem_kind::invalid_json)
      problem.message = "the body is not valid JSON: " + problem.message;
    else
      problem.message = problem.field + " " + problem.message;
    return problem;
  }
  if (!reader.root_is_object())
    return request_problem{problem_kind::invalid_json, {}, "the body must be a JSON object"};
  static const std::set<std::string> known{
    "type",       "payload",  "priority",        "max_attempts",
    "timeout_ms", "delay_ms", "idempotency_key", "group"};
  job_request req;
  for (auto& [name, value] : reader.top()) {
    if (known.count(name) == 0)
      return invalid_field(name, "is not a known field");
    if (name == "payload") {
      req.payload = std::string{body.substr(value.begin, value.end - value.begin)};
    } else if (name == "type") {
      if (value.what != top_value::kind::string || value.text.empty())
        return invalid_field("type", "is required and must be a non-empty string");
      req.type = value.text;
    } else if (name == "idempotency_key") {
      if (value.what != top_value::kind::string)
        return invalid_field(name, "must be a string of at most "
                                     + std::to_string(max_idempotency_key_bytes) + " bytes");
      req.options.idempotency_key = value.text;
    } else if (name == "group") {
      // Given, a group must be named (its rule is checked with the others
      // below): "" would read as no group.
      if (value.what != top_value::kind::string || value.text.empty())
        return invalid_field(name, *group_name_problem({}));
      req.options.group = value.text;
    } else {
      const auto& field = name;
      auto rule = std::find_if(std::begin(int_option_rules), std::end(int_option_rules),
                               [&field](const int_option_rule& r) { return field == r.name; });
      if (value.what != top_value::kind::integer || value.integer < rule->low
          || value.integer > rule->high)
        return invalid_field(name, describe_rule(*rule));
      set_int_option(req.options, static_cast<size_t>(rule - std::begin(int_option_rules)),
                     value.integer);
    }
  }
  if (req.type.empty())
    return invalid_field("type", "is required and must be a non-empty string");
  if (auto p = check_options(req.options))
    return *p;
  if (req.payload.empty())
    req.payload = "null";
  return req;
}

} // namespace troupe
