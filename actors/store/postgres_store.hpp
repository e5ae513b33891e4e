// The `postgres://…` store: troupe's tables in a PostgreSQL database, written
// through one connection whose server is the active one (see
// postgres_leadership.hpp) for as long as the store is open, so that two
// servers never run the same jobs from one database. A batch of writes is
// one pipeline, fenced by the epoch, committed as one transaction.
#pragma once

#include "troupe/store.hpp"

namespace troupe::detail {

/// Connects to the libpq URI `uri`, creates troupe's tables if missing, and
/// becomes the active server (waiting as a standby if `options.standby`);
/// see `open_store` and store/postgres_leadership.hpp.
caf::expected<std::shared_ptr<store>> open_postgres_store(const std::string& uri,
                                                          const store_options& options);

} // namespace troupe::detail
