// The log of the engine and of the programs around it: one line per event on
// stderr, through spdlog, filtered by one level for everything in the process
// (`troupe serve --log-level`).
//
// Several threads log at once (the supervisor, workers, the server's main
// thread) and tools read the lines back (the crash test counts attempts in
// them): spdlog's synchronised stderr sink writes each line whole.
#pragma once

#include <string>

namespace troupe {

enum class log_level { error, warn, info, debug };

/// Lines less severe than `level` are dropped from now on (default: info).
void set_log_level(log_level level);

/// Whether a line of `level` would be written; for lines costly to build.
bool logs(log_level level);

/// Writes `troupe: <text>` and a newline to stderr if `level` is enabled.
void log(log_level level, const std::string& text);

} // namespace troupe
