// The job types every troupe server offers, also used by tests, examples and
// benchmarks:
//
// | type       | payload                                  | result                 |
// |------------|------------------------------------------|------------------------|
// | `echo`     | anything                                 | the payload            |
// | `sleep`    | `{"ms": n}`                              | `{"slept_ms": n}`      |
// | `sha256`   | `{"data": "...", "rounds": n = 1}`       | `{"hex": "..."}`       |
// | `fail`     | `{"message": "..."}`                     | (always fails)         |
// | `crash`    | `{"crash_attempts": n}` (default: all)   | `{"crashed": false}`   |
// | `progress` | `{"steps": n, "step_ms": m}`             | `{"steps": n}`         |
//
// `sleep` and `progress` wait in slices of at most 10 ms and stop when the job
// is cancelled or times out. `sha256` hashes the UTF-8 bytes of `data`, then
// hashes the 32-byte digest again `rounds - 1` times, and returns the last
// digest in lowercase hex. `crash` terminates its worker abnormally while the
// attempt number is at most `crash_attempts`. A malformed payload fails the
// job at once (no retry) with an error that names the field.
#pragma once

#include "troupe/handler.hpp"

namespace troupe {

/// Adds the built-in job types above to a registry.
void register_builtin_handlers(handler_registry& registry);

} // namespace troupe
