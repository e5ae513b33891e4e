// The `postgres://…` store: troupe's tables in a PostgreSQL database, written
// through one connection whose session holds troupe's lock for as long as the
// store is open, so that two servers never run the same jobs from one
// database. A batch of writes is one pipeline, committed as one transaction.
#pragma once

#include "troupe/store.hpp"

namespace troupe::detail {

/// Connects to the libpq URI `uri`, creates troupe's tables if missing, and
/// takes the lock; see `open_store`.
caf::expected<std::shared_ptr<store>> open_postgres_store(const std::string& uri);

} // namespace troupe::detail
