#include "troupe/protocol.hpp"

#include "internal_protocol.hpp"
#include "nodes/node_protocol.hpp"
#include "troupe/errors.hpp"

namespace troupe {

void add_message_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<job_options>("troupe.job_options");
  cfg.add_message_type<job_request>("troupe.job_request");
  cfg.add_message_type<job_filter>("troupe.job_filter");
  cfg.add_message_type<std::vector<job_request>>("troupe.job_requests");
  cfg.add_message_type<submit_outcome>("troupe.submit_outcome");
  cfg.add_message_type<std::vector<submit_outcome>>("troupe.submit_outcomes");
  cfg.add_message_type<detail::run_order>("troupe.run_order");
  cfg.add_message_type<std::vector<detail::run_order>>("troupe.run_orders");
  cfg.add_message_type<detail::run_result>("troupe.run_result");
  cfg.add_message_type<detail::run_report>("troupe.run_report");
  cfg.add_message_type<detail::lease_list>("troupe.lease_list");
  cfg.add_message_type<detail::node_join>("troupe.node_join");
  // CAF 0.17's templated add_error_category does not compile; give it a renderer.
  cfg.add_error_category(error_category,
                         [](uint8_t code, caf::atom_value category, const caf::message& context) {
                           return describe(caf::error{code, category, context});
                         });
}

} // namespace troupe
