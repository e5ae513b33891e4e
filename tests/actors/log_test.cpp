// The one log of the process: lines below the level are dropped.
#include "troupe/log.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace {

/// Runs `write` with stderr sent to a temporary file; returns what it wrote.
template <class F> std::string captured_stderr(F write) {
  char path[] = "/tmp/troupe-log-test-XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  int saved = dup(STDERR_FILENO);
  dup2(fd, STDERR_FILENO);
  write();
  dup2(saved, STDERR_FILENO);
  close(saved);
  close(fd);
  std::ifstream in{path};
  std::stringstream text;
  text << in.rdbuf();
  std::remove(path);
  return text.str();
}

} // namespace

TEST_CASE("a line below the log level is dropped and one at or above it is written whole") {
  auto text = captured_stderr([] {
    troupe::set_log_level(troupe::log_level::warn);
    troupe::log(troupe::log_level::info, "the info line");
    troupe::log(troupe::log_level::warn, "the warn line {}");
    troupe::set_log_level(troupe::log_level::info);
  });
  CHECK(text == "troupe: the warn line {}\n");
}

TEST_CASE("logs answers whether a line of that level would be written") {
  troupe::set_log_level(troupe::log_level::error);
  CHECK_FALSE(troupe::logs(troupe::log_level::warn));
  CHECK(troupe::logs(troupe::log_level::error));
  troupe::set_log_level(troupe::log_level::debug);
  CHECK(troupe::logs(troupe::log_level::debug));
  troupe::set_log_level(troupe::log_level::info);
}
