#include "troupe/protocol.hpp"

#include "troupe/errors.hpp"

namespace troupe {

void add_message_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<job_options>("troupe.job_options");
  // CAF 0.17's templated add_error_category does not compile; give it a renderer.
  cfg.add_error_category(error_category,
                         [](uint8_t code, caf::atom_value category, const caf::message& context) {
                           return describe(caf::error{code, category, context});
                         });
}

} // namespace troupe
