#include "troupe/store.hpp"

#include "store/memory_store.hpp"
#include "store/sqlite_store.hpp"
#include "troupe/errors.hpp"

namespace troupe {

store::~store() = default;

namespace {

constexpr std::string_view sqlite_prefix = "sqlite:";

} // namespace

caf::expected<store_spec> store_spec::parse(const std::string& text) {
  if (text == "memory")
    return store_spec{kind::memory, {}};
  if (text.rfind(sqlite_prefix, 0) == 0 && text.size() > sqlite_prefix.size())
    return store_spec{kind::sqlite, text.substr(sqlite_prefix.size())};
  return make_error(errc::invalid_argument,
                    "must be 'memory' or 'sqlite:PATH', not '" + text + "'");
}

std::string store_spec::text() const {
  return type == kind::memory ? std::string{"memory"} : std::string{sqlite_prefix} + path;
}

caf::expected<std::shared_ptr<store>> open_store(const store_spec& spec, store_options options) {
  if (spec.type == store_spec::kind::memory)
    return detail::make_memory_store();
  return detail::open_sqlite_store(spec.path, options);
}

caf::expected<std::shared_ptr<store>> open_store(const std::string& spec, store_options options) {
  auto parsed = store_spec::parse(spec);
  if (!parsed)
    return make_error(errc::invalid_argument, "the store " + message_of(parsed.error()));
  return open_store(*parsed, options);
}

} // namespace troupe
