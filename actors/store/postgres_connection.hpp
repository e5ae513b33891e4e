// One libpq connection, as the PostgreSQL store uses it: statements prepared
// once by name, parameters passed as text (NULL for an empty optional), and
// a batch of prepared statements sent as one pipeline that the server runs as
// one implicit transaction, committed at its sync — all of it or none.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace troupe::detail {

/// A query's result; frees it when it goes.
using pg_result = std::unique_ptr<PGresult, decltype(&PQclear)>;

/// The text parameters of one statement.
class pg_params {
public:
  pg_params& add(std::string text) {
    values_.emplace_back(std::move(text));
    return *this;
  }
  pg_params& add(int64_t n) { return add(std::to_string(n)); }
  pg_params& add(const std::optional<std::string>& text) {
    values_.push_back(text);
    return *this;
  }
  pg_params& add(const std::optional<int64_t>& n) {
    return add(n ? std::optional<std::string>{std::to_string(*n)} : std::nullopt);
  }

  /// The values as libpq takes them; valid while this lives unchanged.
  std::vector<const char*> pointers() const;

private:
  std::vector<std::optional<std::string>> values_;
};

/// One statement of a pipeline: a prepared statement's name and its values.
struct pg_call {
  const char* statement;
  pg_params params;
};

class pg_connection {
public:
  /// Connects to `uri`; check `error()` afterwards.
  explicit pg_connection(const std::string& uri);

  /// Why the connection failed or the last call failed, from the server or
  /// libpq, or empty.
  std::string error() const;

  /// The SQLSTATE of the last failed statement, or empty.
  const std::string& sqlstate() const { return last_sqlstate_; }

  bool ok() const { return PQstatus(conn_.get()) == CONNECTION_OK; }

  /// Runs SQL without parameters (several statements may be given).
  bool exec(const std::string& sql);

  /// Prepares `sql` as the statement `name`.
  bool prepare(const char* name, const std::string& sql);

  /// Runs a prepared statement; nothing on failure (see `error()`).
  std::optional<pg_result> run(const char* name, const pg_params& params = {});

  /// Runs `calls` as one pipeline in one implicit transaction: true if all
  /// were applied and committed, false if none was.
  bool run_all(const std::vector<pg_call>& calls);

  /// Who and where, without the password: `postgres://USER@HOST:PORT/DB`.
  std::string describe() const;

private:
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn_;
  std::string last_error_;
  std::string last_sqlstate_;
};

} // namespace troupe::detail
