#include "detail/journal.hpp"

#include "detail/internal_protocol.hpp"
#include "detail/job_record.hpp"
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
    self->send(run.worker, run_atom::value, std::move(run.orders));
  self->send(st.supervisor, committed_atom::value, st.last_batch);
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
      if (st.collecting)
        commit(self);
    },
    [=](status_atom, const std::string& id) -> caf::result<std::string> {
      auto job = self->state.store->find(id);
      if (!job)
        return job.error();
      if (!*job)
        return make_error(errc::not_found, "no job with id " + id);
      return to_json(to_record(**job));
    },
  };
}

} // namespace troupe::detail
