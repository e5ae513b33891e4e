// A client command as the user typed it: its positional arguments and flags,
// read once by the command line's rules (CLI11), then asked for by name.
#pragma once

#include "server_api.hpp"

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace troupe::app {

struct invocation {
  std::string command;
  std::vector<std::string> positional;
  std::map<std::string, std::string> flags;

  /// Reads `args` of `command`: `--server`, `--token`, `--cacert` (also from
  /// `env`), the switches `--json` and `--wait`, and the flags with a value
  /// in `valued`. A usage error is a `command_error` with `exit_usage`;
  /// `--help` is the flag "help".
  static invocation parse(const std::string& command, const std::vector<std::string>& args,
                          const std::map<std::string, std::string>& env,
                          const std::set<std::string>& valued);

  bool has(const std::string& name) const { return flags.count(name) != 0; }

  std::string get(const std::string& name, const std::string& fallback = {}) const {
    auto i = flags.find(name);
    return i == flags.end() ? fallback : i->second;
  }

  /// The one positional argument the command takes (`what` it is).
  const std::string& only_argument(const char* what) const;

  /// The flag `name` as a whole number; a usage error otherwise.
  int64_t whole_number(const std::string& name) const;
};

} // namespace troupe::app
