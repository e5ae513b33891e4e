#include "command_line.hpp"

#include "cli.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>

namespace troupe::app {

command_line::command_line(const std::string& name) : app_(std::make_unique<CLI::App>("", name)) {
  // What nobody takes is refused after parsing, in our words.
  app_->allow_extras(true);
}

command_line::~command_line() = default;

void command_line::option(const std::string& name, const std::string& help,
                          std::function<void(const std::string&)> apply,
                          const std::string& env_var) {
  app_->add_option_function<std::string>("--" + name, apply, help)->allow_extra_args(false);
  if (!env_var.empty())
    env_options_.push_back({name, env_var, std::move(apply)});
}

void command_line::switch_(const std::string& name, const std::string& help, bool& given) {
  app_->add_flag("--" + name, given, help);
}

void command_line::positionals(std::vector<std::string>& out) {
  app_->add_option("arguments", out);
}

bool command_line::parse(const std::vector<std::string>& args,
                         const std::map<std::string, std::string>& env) {
  // CLI11 takes the arguments last first.
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app_->parse(reversed);
  } catch (const CLI::CallForHelp&) {
    return false;
  } catch (const CLI::ArgumentMismatch& e) {
    // "--name: 1 required TEXT missing"
    std::string what = e.what();
    throw usage_error{what.substr(0, what.find(':')) + " needs a value"};
  } catch (const CLI::ParseError& e) {
    throw usage_error{e.what()};
  }
  for (auto& extra : app_->remaining())
    throw usage_error{extra.rfind("-", 0) == 0 ? app_->get_name() + " has no option " + extra
                                               : "unexpected argument '" + extra + "'"};
  for (auto& o : env_options_)
    if (app_->count("--" + o.flag) == 0)
      if (auto value = env.find(o.env_var); value != env.end())
        o.apply(value->second);
  return true;
}

} // namespace troupe::app
