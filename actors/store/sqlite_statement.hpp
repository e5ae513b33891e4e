// A prepared SQLite statement as a value: prepared once, bound, stepped and
// reset after every use, finalized with its owner.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

namespace troupe::detail {

/// A prepared statement, reset after every use.
class statement {
public:
  statement(sqlite3* db, const std::string& sql) {
    if (sqlite3_prepare_v3(db, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr)
        != SQLITE_OK)
      throw std::runtime_error(sqlite3_errmsg(db));
  }

  ~statement() { sqlite3_finalize(stmt_); }

  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;

  statement& bind(int i, int64_t x) {
    sqlite3_bind_int64(stmt_, i, x);
    return *this;
  }

  statement& bind(int i, const std::string& x) {
    sqlite3_bind_text(stmt_, i, x.data(), static_cast<int>(x.size()), SQLITE_STATIC);
    return *this;
  }

  template <class T> statement& bind(int i, const std::optional<T>& x) {
    if (x)
      return bind(i, *x);
    sqlite3_bind_null(stmt_, i);
    return *this;
  }

  /// Steps once; returns SQLITE_ROW, SQLITE_DONE or an error code.
  int step() { return sqlite3_step(stmt_); }

  /// Runs a statement that returns no rows.
  int run() {
    auto rc = step();
    reset();
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
  }

  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

  int64_t int_at(int i) const { return sqlite3_column_int64(stmt_, i); }

  std::string text_at(int i) const {
    auto p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, i));
    return p ? std::string{p, static_cast<size_t>(sqlite3_column_bytes(stmt_, i))} : std::string{};
  }

  bool null_at(int i) const { return sqlite3_column_type(stmt_, i) == SQLITE_NULL; }

  std::optional<int64_t> optional_int_at(int i) const {
    return null_at(i) ? std::nullopt : std::optional<int64_t>{int_at(i)};
  }

  std::optional<std::string> optional_text_at(int i) const {
    return null_at(i) ? std::nullopt : std::optional<std::string>{text_at(i)};
  }

private:
  sqlite3_stmt* stmt_ = nullptr;
};

} // namespace troupe::detail
