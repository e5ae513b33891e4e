// Limits of job groups set and read at run time. A change takes effect at
// once (every blocked group tries again at the next dispatch: one still at its
// limit is blocked again there), is written to the store with the jobs'
// changes, and is answered once stored; if the store refuses it, it is undone.
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

/// The group's own limit, if it has one.
std::optional<group_limit> own_limit(self_ptr self, const std::string& group) {
  auto& all = self->state.limits.all();
  auto i = all.find(group);
  if (i == all.end())
    return std::nullopt;
  return i->second;
}

/// Writes a change of `group`'s limit (its previous one: `before`) and
/// answers `answer` once it is stored.
caf::result<std::string> store_change(self_ptr self, store_write change, std::string group,
                                      std::optional<group_limit> before, std::string answer) {
  auto& st = self->state;
  st.ready.unblock_all();
  write(self, std::move(change));
  auto promise = self->make_response_promise();
  st.writes.add_limit_change(
    pending_limit_change{promise, std::move(group), std::move(before), std::move(answer)});
  dispatch(self);
  return promise;
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
  auto before = own_limit(self, group);
  st.limits.set(group, limit);
  return store_change(self, limit_set{group, limit}, group, before,
                      nlohmann::json(state_of(self, group, limit)).dump());
}

caf::result<std::string> on_get_limit(self_ptr self, const std::string& group) {
  auto limit = own_limit(self, group);
  if (!limit)
    return make_error(errc::not_found, "group " + group + " has no limit of its own");
  return nlohmann::json(state_of(self, group, *limit)).dump();
}

std::string on_list_limits(self_ptr self, const std::string& after, int64_t count) {
  auto& all = self->state.limits.all();
  std::vector<std::string> groups;
  for (auto& [group, limit] : all)
    if (group > after)
      groups.push_back(group);
  auto page = std::min<size_t>(groups.size(), static_cast<size_t>(std::max<int64_t>(0, count)));
  std::partial_sort(groups.begin(), groups.begin() + static_cast<std::ptrdiff_t>(page),
                    groups.end());
  auto list = nlohmann::json::array();
  for (size_t i = 0; i < page; ++i)
    list.push_back(state_of(self, groups[i], all.at(groups[i])));
  return list.dump();
}

caf::result<std::string> on_remove_limit(self_ptr self, const std::string& group) {
  auto& st = self->state;
  auto limit = own_limit(self, group);
  if (!limit)
    return make_error(errc::not_found, "group " + group + " has no limit of its own");
  auto removed = nlohmann::json(state_of(self, group, *limit)).dump();
  st.limits.remove(group);
  return store_change(self, limit_removed{group}, group, limit, std::move(removed));
}

} // namespace troupe::detail
