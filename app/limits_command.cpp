#include "limits_command.hpp"

#include "troupe/limits.hpp"

#include <iomanip>

namespace troupe::app {

namespace {

/// Pages of this many limits while listing them all.
constexpr int page_size = 1000;

/// The group a subcommand names: its one argument after the subcommand.
const std::string& group_argument(const invocation& inv) {
  if (inv.positional.size() != 2)
    throw command_error{exit_usage, "troupe limits " + inv.positional[0] + " takes one group"};
  return inv.positional[1];
}

/// The limit the flags of `set` describe, checked by the server's rules.
std::string limit_from_flags(const invocation& inv) {
  static const std::pair<const char*, const char*> fields[] = {
    {"concurrency", "concurrency"}, {"rate", "rate"}, {"per-ms", "per_ms"}, {"burst", "burst"},
    {"weight", "weight"},
  };
  json body = json::object();
  for (auto [flag, field] : fields)
    if (inv.has(flag))
      body[field] = inv.whole_number(flag);
  try {
    body.get<group_limit>();
  } catch (const std::invalid_argument& e) {
    throw command_error{exit_usage, std::string{"--"} + e.what()};
  }
  return body.dump();
}

/// One limit in a line: the group, its rules, what it uses now.
void summarize(std::ostream& out, const json& state) {
  auto s = state.get<group_limit_state>();
  auto& limit = s.limit;
  out << std::left << std::setw(20) << s.group << " concurrency "
      << (limit.concurrency ? std::to_string(*limit.concurrency) : "-") << "  rate "
      << (limit.rate ? std::to_string(*limit.rate) + "/" + std::to_string(limit.per_ms)
                         + "ms burst " + std::to_string(limit.burst)
                     : "-")
      << "  weight " << limit.weight << "  running " << s.running << "  ready " << s.ready
      << (s.throttled ? "  at its limit" : "") << '\n';
}

int show(std::ostream& out, const invocation& inv, const json& state) {
  if (inv.has("json"))
    out << state.dump() << '\n';
  else
    summarize(out, state);
  return exit_ok;
}

int list(server_api& server, const invocation& inv, std::ostream& out) {
  auto all = json::array();
  std::string after;
  for (;;) {
    auto page = server.get(
      api_path({"limits"}, {{"limit", std::to_string(page_size)}, {"after", after}}))["limits"];
    for (auto& state : page)
      all.push_back(state);
    if (page.size() < page_size)
      break;
    after = page.back()["group"].get<std::string>();
  }
  if (inv.has("json")) {
    out << json{{"limits", all}}.dump() << '\n';
    return exit_ok;
  }
  if (all.empty())
    out << "no group has a limit\n";
  for (auto& state : all)
    summarize(out, state);
  return exit_ok;
}

} // namespace

int limits_command(server_api& server, const invocation& inv, std::ostream& out) {
  if (inv.positional.empty())
    return list(server, inv, out);
  const auto& sub = inv.positional[0];
  if (sub == "show")
    return show(out, inv, server.get(api_path({"limits", group_argument(inv)})));
  if (sub == "set") {
    auto& group = group_argument(inv);
    return show(out, inv, server.put(api_path({"limits", group}), limit_from_flags(inv)));
  }
  if (sub == "remove")
    return show(out, inv, server.del(api_path({"limits", group_argument(inv)})));
  throw command_error{exit_usage, "troupe limits takes show, set or remove, not '" + sub + "'"};
}

} // namespace troupe::app
