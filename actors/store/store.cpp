#include "troupe/store.hpp"

#include "store/memory_store.hpp"
#include "store/postgres_store.hpp"
#include "store/sqlite_store.hpp"
#include "troupe/errors.hpp"

namespace troupe {

store::~store() = default;

namespace {

constexpr std::string_view sqlite_prefix = "sqlite:";

/// libpq's URI schemes, taken as they are written.
bool is_postgres_uri(const std::string& text) {
  for (std::string_view scheme : {"postgres://", "postgresql://"})
    if (text.rfind(scheme, 0) == 0)
      return true;
  return false;
}

} // namespace

caf::expected<store_spec> store_spec::parse(const std::string& text) {
  if (text == "memory")
    return store_spec{kind::memory, {}};
  if (text.rfind(sqlite_prefix, 0) == 0 && text.size() > sqlite_prefix.size())
    return store_spec{kind::sqlite, text.substr(sqlite_prefix.size())};
  if (is_postgres_uri(text))
    return store_spec{kind::postgres, text};
  return make_error(errc::invalid_argument,
                    "must be 'memory', 'sqlite:PATH' or 'postgres://…', not '" + text + "'");
}

std::string store_spec::text() const {
  switch (type) {
    case kind::memory:
      return "memory";
    case kind::sqlite:
      return std::string{sqlite_prefix} + path;
    default:
      return path;
  }
}

caf::expected<std::shared_ptr<store>> open_store(const store_spec& spec, store_options options) {
  if (spec.type == store_spec::kind::memory)
    return detail::make_memory_store();
  if (spec.type == store_spec::kind::postgres)
    return detail::open_postgres_store(spec.path, options);
  return detail::open_sqlite_store(spec.path, options);
}

caf::expected<std::shared_ptr<store>> open_store(const std::string& spec, store_options options) {
  auto parsed = store_spec::parse(spec);
  if (!parsed)
    return make_error(errc::invalid_argument, "the store " + message_of(parsed.error()));
  return open_store(*parsed, options);
}

} // namespace troupe
