// Adding to the next batch for the store (the batch itself: write_behind.hpp),
// and asking for the flush that sends it.
#include "supervisor/supervisor_state.hpp"

namespace troupe::detail {

void schedule_flush(self_ptr self) {
  if (self->state.writes.needs_flush())
    self->send(self, flush_atom::value);
}

void write(self_ptr self, store_write change) {
  self->state.writes.add(std::move(change));
  schedule_flush(self);
}

void write_finish(self_ptr self, job_finished finish) {
  self->state.writes.add_finish(std::move(finish));
  schedule_flush(self);
}

} // namespace troupe::detail
