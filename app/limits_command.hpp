// `troupe limits`: group limits read, set and removed over the API
// (`/v1/limits`).
#pragma once

#include "invocation.hpp"

#include <ostream>

namespace troupe::app {

/// Runs `troupe limits [show G | set G --flags | remove G]`; returns the
/// exit code.
int limits_command(server_api& server, const invocation& inv, std::ostream& out);

} // namespace troupe::app
