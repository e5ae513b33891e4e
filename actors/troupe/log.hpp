// The engine's log: one line per event on stderr.
//
// Several threads log at once (the supervisor, the server's main thread), and
// tools read the lines back (the crash test counts attempts in them), so a
// line must never be torn by another one: each is written with one write(2),
// which is atomic for pipes and for files opened for appending.
#pragma once

#include <string>

namespace troupe {

/// Writes `troupe: <text>` and a newline to stderr in one piece.
void log_line(const std::string& text);

} // namespace troupe
