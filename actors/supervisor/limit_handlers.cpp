// Limits of job groups set and read at run time. A change lets every blocked
// group try again at the next dispatch: one still at its limit is blocked
// again there.
#include "supervisor/supervisor_state.hpp"

#include "troupe/errors.hpp"
#include "troupe/job_request.hpp"

#include <algorithm>

namespace troupe::detail {

namespace {

group_limit_state state_of(self_ptr self, const std::string& group, const group_limit& limit) {
  auto& st = self->state;
  group_limit_state state;
  state.group = group;
  state.limit = limit;
  state.running = st.limits.held(group);
  state.ready = st.ready.size_of_group(group);
  state.throttled = st.ready.blocked(group);
  return state;
}

} // namespace

caf::result<std::string> on_set_limit(self_ptr self, const std::string& group,
                                      const std::string& limit_json) {
  auto& st = self->state;
  if (group != group_limits::default_group)
    if (auto problem = group_name_problem(group))
      return make_error(errc::invalid_argument, "group " + *problem);
  group_limit limit;
  try {
    limit = nlohmann::json::parse(limit_json).get<group_limit>();
  } catch (const std::exception& e) {
    return make_error(errc::invalid_argument, e.what());
  }
  st.limits.set(group, limit);
  st.ready.unblock_all();
  dispatch(self);
  return nlohmann::json(state_of(self, group, limit)).dump();
}

caf::result<std::string> on_get_limit(self_ptr self, const std::string& group) {
  auto& all = self->state.limits.all();
  auto limit = all.find(group);
  if (limit == all.end())
    return make_error(errc::not_found, "group " + group + " has no limit of its own");
  return nlohmann::json(state_of(self, group, limit->second)).dump();
}

std::string on_list_limits(self_ptr self) {
  auto& all = self->state.limits.all();
  std::vector<std::string> groups;
  for (auto& [group, limit] : all)
    groups.push_back(group);
  std::sort(groups.begin(), groups.end());
  auto list = nlohmann::json::array();
  for (auto& group : groups)
    list.push_back(state_of(self, group, all.at(group)));
  return list.dump();
}

caf::result<std::string> on_remove_limit(self_ptr self, const std::string& group) {
  auto& st = self->state;
  auto limit = st.limits.all().find(group);
  if (limit == st.limits.all().end())
    return make_error(errc::not_found, "group " + group + " has no limit of its own");
  auto removed = nlohmann::json(state_of(self, group, limit->second)).dump();
  st.limits.remove(group);
  st.ready.unblock_all();
  dispatch(self);
  return removed;
}

} // namespace troupe::detail
