#include "invocation.hpp"

#include "cli.hpp"
#include "command_line.hpp"

namespace troupe::app {

invocation invocation::parse(const std::string& command, const std::vector<std::string>& args,
                             const std::map<std::string, std::string>& env,
                             const std::set<std::string>& valued) {
  invocation inv{command, {}, {}};
  command_line line{"troupe " + command};
  auto valued_flag = [&](const std::string& name, const std::string& env_var = {}) {
    line.option(
      name, {}, [&inv, name](const std::string& value) { inv.flags[name] = value; }, env_var);
  };
  valued_flag("server", "TROUPE_SERVER");
  valued_flag("token", "TROUPE_TOKEN");
  valued_flag("cacert", "TROUPE_CACERT");
  for (auto& name : valued)
    valued_flag(name);
  bool json = false;
  bool wait = false;
  line.switch_("json", {}, json);
  line.switch_("wait", {}, wait);
  line.positionals(inv.positional);
  try {
    if (!line.parse(args, env))
      inv.flags.emplace("help", "");
  } catch (const usage_error& e) {
    throw command_error{exit_usage, e.what()};
  }
  if (json)
    inv.flags.emplace("json", "");
  if (wait)
    inv.flags.emplace("wait", "");
  return inv;
}

const std::string& invocation::only_argument(const char* what) const {
  if (positional.size() != 1)
    throw command_error{exit_usage, "troupe " + command + " takes one " + what};
  return positional[0];
}

int64_t invocation::whole_number(const std::string& name) const {
  auto value = get(name);
  try {
    size_t used = 0;
    auto n = std::stoll(value, &used);
    if (used == value.size())
      return n;
  } catch (const std::exception&) {
  }
  throw command_error{exit_usage, "--" + name + " must be a whole number, not '" + value + "'"};
}

} // namespace troupe::app
