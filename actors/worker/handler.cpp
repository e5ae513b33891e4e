#include "troupe/handler.hpp"

#include <algorithm>

namespace troupe {

job_context::job_context(std::string id, int32_t attempt, nlohmann::json payload,
                         std::shared_ptr<const cancellation_token> token, progress_sink progress)
    : id_(std::move(id)), attempt_(attempt), payload_(std::move(payload)), token_(std::move(token)),
      progress_(std::move(progress)) {}

void job_context::throw_if_cancelled() const {
  if (cancelled())
    throw cancelled_error{};
}

void job_context::progress(double fraction, const std::string& message) {
  if (progress_)
    progress_(std::clamp(fraction, 0.0, 1.0), message);
}

void handler_registry::add(std::string type, handler fn) {
  handlers_[std::move(type)] = std::move(fn);
}

const handler* handler_registry::find(const std::string& type) const {
  auto i = handlers_.find(type);
  return i == handlers_.end() ? nullptr : &i->second;
}

std::vector<std::string> handler_registry::types() const {
  std::vector<std::string> result;
  for (const auto& [name, fn] : handlers_)
    result.push_back(name);
  return result;
}

} // namespace troupe
