// One command's flags, read with CLI11: `--name VALUE` (or `--name=VALUE`),
// switches, positional arguments and `-h`/`--help`. A flag not given is read
// from its environment variable in the map the caller passes (the process's
// environment, or a test's), so that the command line always wins.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace troupe::app {

class command_line {
public:
  explicit command_line(const std::string& name);
  ~command_line();

  /// `--name VALUE`, handed to `apply`; read from `env_var` if not given
  /// (no variable if empty).
  void option(const std::string& name, const std::string& help,
              std::function<void(const std::string&)> apply, const std::string& env_var = {});

  /// `--name` without a value.
  void switch_(const std::string& name, const std::string& help, bool& given);

  /// The arguments that are not flags, in order.
  void positionals(std::vector<std::string>& out);

  /// Reads `args` (what follows the command), then `env` for the options
  /// not given. Returns false if help was asked for; throws `usage_error`
  /// for anything it cannot read.
  bool parse(const std::vector<std::string>& args, const std::map<std::string, std::string>& env);

private:
  struct env_option {
    std::string flag;
    std::string env_var;
    std::function<void(const std::string&)> apply;
  };

  std::unique_ptr<CLI::App> app_;
  std::vector<env_option> env_options_;
};

} // namespace troupe::app
