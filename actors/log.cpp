#include "troupe/log.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace troupe {

namespace {

spdlog::level::level_enum to_spdlog(log_level level) {
  switch (level) {
    case log_level::error:
      return spdlog::level::err;
    case log_level::warn:
      return spdlog::level::warn;
    case log_level::info:
      return spdlog::level::info;
    case log_level::debug:
      return spdlog::level::debug;
  }
  return spdlog::level::info;
}

spdlog::logger& logger() {
  // Built on first use, so static initialisation order never matters; the
  // format keeps the lines operators and tests already read.
  static auto instance = [] {
    auto made =
      std::make_shared<spdlog::logger>("troupe", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    made->set_pattern("troupe: %v");
    made->set_level(spdlog::level::info);
    made->flush_on(spdlog::level::debug);
    return made;
  }();
  return *instance;
}

} // namespace

void set_log_level(log_level level) {
  logger().set_level(to_spdlog(level));
}

bool logs(log_level level) {
  return logger().should_log(to_spdlog(level));
}

void log(log_level level, const std::string& text) {
  logger().log(spdlog::source_loc{}, to_spdlog(level), spdlog::string_view_t{text});
}

} // namespace troupe
