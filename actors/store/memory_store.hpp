// The `memory` store: jobs in a map, gone with the process.
#pragma once

#include "troupe/store.hpp"

namespace troupe::detail {

/// Returns an empty in-memory store.
std::shared_ptr<store> make_memory_store();

} // namespace troupe::detail
