#include "store/journal.hpp"

#include "internal_protocol.hpp"
#include "store/store_queries.hpp"
#include "troupe/errors.hpp"
#include "troupe/protocol.hpp"

namespace troupe::detail {

namespace {

using self_ptr = caf::stateful_actor<journal_state>*;

template <class T> void append(std::vector<T>& to, std::vector<T>& from) {
  if (to.empty())
    to = std::move(from);
  else
    to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
}

void commit(self_ptr self) {
  auto& st = self->state;
  auto err = st.store->apply(st.writes);
  st.writes.clear();
  st.collecting = false;
  auto runs = std::move(st.runs);
  st.runs.clear();
  if (err) {
    // The supervisor refuses the submissions of these batches first, so that
    // none of their jobs can start.
    self->send(st.supervisor, commit_failed_atom::value, st.first_batch, st.last_batch,
               describe(err), std::move(runs));
    return;
  }
  for (auto& run : runs)
    hand_over(self, run);
  self->send(st.supervisor, committed_atom::value, st.last_batch);
}

/// Commits the writes received so far, if any.
void commit_held(self_ptr self) {
  if (self->state.collecting)
    commit(self);
}

} // namespace

caf::behavior journal(self_ptr self, std::shared_ptr<troupe::store> store, caf::actor supervisor,
                      size_t max_writes) {
  auto& st = self->state;
  st.store = std::move(store);
  st.supervisor = std::move(supervisor);
  st.max_writes = max_writes;
  return {
    [=](journal_atom, uint64_t batch, std::vector<store_write>& writes,
        std::vector<run_batch>& runs) {
      auto& st = self->state;
      if (!st.collecting) {
        st.collecting = true;
        st.first_batch = batch;
      }
      st.last_batch = batch;
      append(st.writes, writes);
      append(st.runs, runs);
      if (st.writes.size() >= st.max_writes) {
        commit(self);
      } else if (!st.flush_scheduled) {
        st.flush_scheduled = true;
        self->send(self, flush_atom::value);
      }
    },
    [=](flush_atom) {
      auto& st = self->state;
      st.flush_scheduled = false;
      commit_held(self);
    },
    // -- queries on jobs only the store holds; first commit what we hold --
    [=](status_atom, const std::string& id) -> caf::result<std::string> {
      commit_held(self);
      auto job = stored_snapshot(*self->state.store, id);
      if (!job)
        return job.error();
      return std::move(*job);
    },
    [=](watch_atom, const std::string& id) -> caf::result<caf::ok_atom> {
      commit_held(self);
      auto job = stored_snapshot(*self->state.store, id);
      if (!job)
        return job.error();
      self->send(caf::actor_cast<caf::actor>(self->current_sender()), finished_atom::value,
                 std::move(*job));
      return caf::ok_atom::value;
    },
    [=](cancel_atom, const std::string& id) -> caf::error {
      commit_held(self);
      return stored_cancel_refusal(*self->state.store, id);
    },
    [=](retry_atom, const std::string& id, int64_t now_ms) -> caf::result<stored_job> {
      commit_held(self);
      auto row = stored_requeue(*self->state.store, id, now_ms);
      if (!row)
        return row.error();
      return std::move(*row);
    },
    [=](finished_list_atom, const job_filter& filter,
        uint64_t before_seq) -> caf::result<std::vector<std::string>, std::vector<std::string>> {
      commit_held(self);
      auto listing = stored_list(*self->state.store, filter, before_seq);
      if (!listing)
        return listing.error();
      return {std::move(listing->ids), std::move(listing->jobs)};
    },
  };
}

} // namespace troupe::detail
