// A group's limit as both SQL stores keep it: the group's name and the limit
// as its JSON (troupe/limits.hpp), read back here in one place.
#pragma once

#include "troupe/errors.hpp"
#include "troupe/store.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace troupe::detail {

/// Reads a stored limit row of the store named `store_name`; a `rules` text
/// that is not a limit is `store_unavailable`, naming the group.
inline caf::expected<limit_set> read_stored_limit(const std::string& store_name, std::string group,
                                                  const std::string& rules) {
  try {
    return limit_set{std::move(group), nlohmann::json::parse(rules).get<group_limit>()};
  } catch (const std::exception& e) {
    return make_error(errc::store_unavailable, store_name + ": the stored limit of group " + group
                                                 + " is unreadable: " + e.what());
  }
}

} // namespace troupe::detail
