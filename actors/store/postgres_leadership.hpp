// Which of the servers on one PostgreSQL database is the active one.
//
// The problem: any number of servers may point at one database; exactly one
// may run the jobs, and one that stopped (killed, hung, cut off) must be
// replaced within seconds — without it ever committing again if it comes
// back, and without waiting on the transaction and row locks it may still
// hold.
//
// The answer: the active holds a session advisory lock and an *epoch*, a
// number it bumped when it took over (the row `troupe_leader`), and renews a
// lease there. A standby waits on the lock: a killed active's session ends
// and frees it at once. If the lock stays held but the lease ran out (the
// active is stopped or partitioned), the standby ends the active's session
// with `pg_terminate_backend` — which also rolls back whatever it held open —
// and takes the lock. Every batch the active writes starts with a fence, in
// the same transaction, that locks the leader row and fails unless the epoch
// is still its own; a renewal that finds another epoch deposes it too. So a
// deposed server can never commit, and hence never acknowledge, anything.
#pragma once

#include "store/postgres_connection.hpp"
#include "troupe/store.hpp"

#include <caf/expected.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace troupe::detail {

class postgres_leadership {
public:
  /// `lease`: how long the active's renewal stays valid.
  explicit postgres_leadership(std::chrono::milliseconds lease) : lease_(lease) {}

  /// Tries once, waiting up to `wait` for the lock: true once this
  /// connection's server is the active, with a new epoch; false if another
  /// server is active (try again: if its lease had run out, its session is
  /// being ended), whose term `term()` then tells; nothing, with `error`
  /// set, if the database failed.
  std::optional<bool> try_take(pg_connection& conn, std::chrono::milliseconds wait,
                               std::string& error);

  /// Extends the lease; false if this server was deposed or the database
  /// could not be reached (the caller must stop acknowledging).
  bool renew(pg_connection& conn);

  /// The statement that refuses a batch unless this epoch is current; first
  /// in every batch.
  pg_call fence() const;

  int64_t epoch() const { return term_.epoch; }

  /// This server's term once it took over; the active one's before.
  const store_leadership& term() const { return term_; }

  std::chrono::milliseconds lease() const { return lease_; }

private:
  std::chrono::milliseconds lease_;
  store_leadership term_;
};

/// The statements leadership uses, prepared once per connection.
bool prepare_leadership_statements(pg_connection& conn);

/// Connects to `uri`, prepares troupe's schema and makes this server the
/// active one, through `leadership`: at once, or — with `options.standby` —
/// after waiting as the standby, which also waits out a database it cannot
/// reach (trying every quarter lease). Fails with `store_unavailable` (a
/// database that cannot be used, or, without `standby`, one that cannot be
/// reached or has an active server), or `shutting_down` once
/// `options.keep_waiting` said stop.
caf::expected<std::unique_ptr<pg_connection>> become_active(const std::string& uri,
                                                            const store_options& options,
                                                            postgres_leadership& leadership);

} // namespace troupe::detail
