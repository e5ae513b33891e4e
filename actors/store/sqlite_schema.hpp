// The SQLite store's schema, and the preparation of a connection to it: the
// pragmas that make a commit durable and keep a second engine off the file,
// and the checks that the file is troupe's, of a version this build reads.
#pragma once

#include "troupe/store.hpp"

#include <sqlite3.h>

#include <optional>
#include <string>

namespace troupe::detail {

/// Why a database at `path` cannot be used after result `rc`, in words that
/// say what to do.
std::string explain_sqlite_failure(const std::string& path, sqlite3* db, int rc);

/// Configures a fresh connection and makes sure it holds troupe's schema,
/// creating it in an empty database. Returns an explanation if the database
/// cannot be used.
std::optional<std::string> prepare_sqlite_database(const std::string& path, sqlite3* db,
                                                   const store_options& options);

} // namespace troupe::detail
