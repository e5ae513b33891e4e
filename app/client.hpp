// The `troupe` client commands: submit, get, watch, jobs, cancel, stats and
// workers, over the HTTP API of a running `troupe serve`.
//
// Every command takes `--server URL` (default http://127.0.0.1:8080) and
// `--token SECRET` (also TROUPE_SERVER, TROUPE_TOKEN), and `--json` prints
// the API's object instead of a summary, for scripts. Exit codes: 0 done
// (and the job succeeded, for commands about one job), 1 the job failed or
// was cancelled, 2 a usage error, 3 the server is unreachable or answered an
// HTTP error.
#pragma once

#include <iosfwd>
#include <map>
#include <string>
#include <vector>

namespace troupe::app {

/// Whether `command` is one of the client commands.
bool is_client_command(const std::string& command);

/// Runs client command `command` with `args` (what follows it), reading
/// `env` for unset flags; writes to `out` and `err`. `tty` says whether
/// `out` is a terminal (`watch` then draws a progress bar). Returns the
/// exit code.
int run_client(const std::string& command, const std::vector<std::string>& args,
               const std::map<std::string, std::string>& env, std::ostream& out, std::ostream& err,
               bool tty);

/// The help text of the client commands.
std::string client_help();

} // namespace troupe::app
