#include "troupe/errors.hpp"

#include <caf/message.hpp>
#include <caf/sec.hpp>

namespace troupe {

caf::error make_error(errc code, std::string message) {
  return caf::error{static_cast<uint8_t>(code), error_category,
                    caf::make_message(std::move(message))};
}

const char* to_string(errc code) {
  switch (code) {
    case errc::unknown_type:
      return "unknown_type";
    case errc::invalid_argument:
      return "invalid_argument";
    case errc::queue_full:
      return "queue_full";
    case errc::shutting_down:
      return "shutting_down";
    case errc::not_found:
      return "not_found";
    case errc::already_terminal:
      return "already_terminal";
    case errc::worker_fault:
      return "worker_fault";
    case errc::store_unavailable:
      return "store_unavailable";
    case errc::join_refused:
      return "join_refused";
    case errc::not_retryable:
      return "not_retryable";
    case errc::standby:
      return "standby";
  }
  return "unknown";
}

bool is_troupe_error(const caf::error& err, errc code) {
  return err && err.category() == error_category && err.code() == static_cast<uint8_t>(code);
}

std::string message_of(const caf::error& err) {
  const auto& context = err.context();
  return context.match_elements<std::string>() ? context.get_as<std::string>(0) : std::string{};
}

std::string describe(const caf::error& err) {
  if (!err)
    return "none";
  auto message = message_of(err);
  if (err.category() == error_category) {
    std::string name = to_string(static_cast<errc>(err.code()));
    return message.empty() ? name : name + ": " + message;
  }
  if (err.category() == caf::atom("system"))
    return "system: " + caf::to_string(static_cast<caf::sec>(err.code()))
           + (message.empty() ? "" : ": " + message);
  return caf::to_string(err);
}

} // namespace troupe
