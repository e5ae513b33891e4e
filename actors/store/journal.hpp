// The journal actor: the only user of the engine's store.
//
// Writing each change of state in its own transaction would cap the engine at
// the disk's transaction rate. The supervisor therefore hands the journal the
// writes of many messages at once, and the journal merges all the batches that
// queued up while it was busy into one transaction (group commit): it commits
// as soon as its mailbox holds no more writes, or once `max_writes` have
// accumulated. Under light load a write is committed at once; under heavy load
// one commit carries thousands. The supervisor acknowledges a submission only
// after the journal reports the commit, and the journal itself hands jobs to
// workers once the writes before them are committed (saving a hop through the
// supervisor on every job's path). After a failed commit it hands the runs
// back to the supervisor instead, which first drops the jobs it refused.
//
// The journal runs on a thread of its own (`detached`) because a commit
// blocks on the disk. It also answers queries on finished jobs, which the
// supervisor no longer holds, from the store.
#pragma once

#include "internal_protocol.hpp"
#include "troupe/store.hpp"

#include <caf/actor.hpp>
#include <caf/behavior.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <memory>
#include <vector>

namespace troupe::detail {

struct journal_state {
  std::shared_ptr<troupe::store> store;
  caf::actor supervisor;
  size_t max_writes = 0;
  /// Writes received and not yet committed, the runs that wait for them, and
  /// the batches they came in.
  std::vector<store_write> writes;
  std::vector<run_batch> runs;
  bool collecting = false;
  uint64_t first_batch = 0;
  uint64_t last_batch = 0;
  bool flush_scheduled = false;

  static inline const char* name = "troupe.journal";
};

/// Messages: `(journal_atom, batch, writes, runs)` from the supervisor, answered by
/// `committed_atom` or `commit_failed_atom` (internal_protocol.hpp); and,
/// delegated by the supervisor for jobs it no longer holds, `(status_atom,
/// id)`, `(watch_atom, id)`, `(cancel_atom, id)`, `(retry_atom, id, now_ms)` and
/// `(finished_list_atom, job_filter, before_seq)`.
caf::behavior journal(caf::stateful_actor<journal_state>* self,
                      std::shared_ptr<troupe::store> store, caf::actor supervisor,
                      size_t max_writes);

} // namespace troupe::detail
