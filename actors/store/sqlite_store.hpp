// The `sqlite:PATH` store: one SQLite database in WAL mode, held with an
// exclusive lock for as long as the store is open, so that two engines can
// never run the same jobs from one file.
#pragma once

#include "troupe/store.hpp"

namespace troupe::detail {

/// Opens (creating if needed) the database at `path`; see `open_store`.
caf::expected<std::shared_ptr<store>> open_sqlite_store(const std::string& path,
                                                        const store_options& options);

} // namespace troupe::detail
