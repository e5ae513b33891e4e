#include "troupe/log.hpp"

#include <unistd.h>

namespace troupe {

void log_line(const std::string& text) {
  auto line = "troupe: " + text + "\n";
  for (size_t written = 0; written < line.size();) {
    auto n = ::write(STDERR_FILENO, line.data() + written, line.size() - written);
    if (n <= 0)
      return;
    written += static_cast<size_t>(n);
  }
}

} // namespace troupe
