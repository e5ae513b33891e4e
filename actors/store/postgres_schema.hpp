// The PostgreSQL store's schema, and the preparation of a connection to it:
// the tables created on first start (named troupe_*, so that troupe can share
// a database with an application) and their version checked.
#pragma once

#include "store/postgres_connection.hpp"

#include <optional>
#include <string>

namespace troupe::detail {

/// Creates troupe's tables in a database without them, and checks the
/// version of a database with them: one newer than this build knows is
/// refused. Returns an explanation if the database cannot be used.
std::optional<std::string> prepare_postgres_schema(pg_connection& conn);

} // namespace troupe::detail
