#include "troupe/store.hpp"

#include "detail/memory_store.hpp"
#include "detail/sqlite_store.hpp"
#include "troupe/errors.hpp"

namespace troupe {

store::~store() = default;

caf::expected<std::shared_ptr<store>> open_store(const std::string& spec, store_options options) {
  if (spec == "memory")
    return detail::make_memory_store();
  const std::string sqlite_prefix = "sqlite:";
  if (spec.rfind(sqlite_prefix, 0) == 0 && spec.size() > sqlite_prefix.size())
    return detail::open_sqlite_store(spec.substr(sqlite_prefix.size()), options);
  return make_error(errc::invalid_argument,
                    "store must be 'memory' or 'sqlite:PATH', not '" + spec + "'");
}

} // namespace troupe
