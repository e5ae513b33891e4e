// The PostgreSQL store's schema, and the preparation of a connection to it:
// the tables created on first start (named troupe_*, so that troupe can share
// a database with an application), their version checked, and the lock that
// keeps a second server from running the same jobs.
#pragma once

#include "store/postgres_connection.hpp"

#include <optional>
#include <string>

namespace troupe::detail {

/// Creates troupe's tables in a database without them, and checks the
/// version of a database with them: one newer than this build knows is
/// refused. Returns an explanation if the database cannot be used.
std::optional<std::string> prepare_postgres_schema(pg_connection& conn);

/// Takes the session lock that makes this connection's server the one that
/// owns the jobs; refused while another server's session holds it.
std::optional<std::string> take_postgres_ownership(pg_connection& conn);

} // namespace troupe::detail
