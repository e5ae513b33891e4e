#include "troupe/job.hpp"

#include "job_record.hpp"

#include <array>
#include <cstdio>
#include <ctime>
#include <stdexcept>

namespace troupe {

namespace {

constexpr std::array<const char*, job_status_count> status_names{"pending", "running", "success",
                                                                 "failed", "cancelled"};

template <class T> nlohmann::json optional_to_json(const std::optional<T>& x) {
  return x ? nlohmann::json(*x) : nlohmann::json(nullptr);
}

nlohmann::json time_to_json(const std::optional<int64_t>& ms) {
  return ms ? nlohmann::json(format_rfc3339(*ms)) : nlohmann::json(nullptr);
}

template <class T> std::optional<T> optional_from_json(const nlohmann::json& x) {
  return x.is_null() ? std::nullopt : std::optional<T>{x.get<T>()};
}

std::optional<int64_t> time_from_json(const nlohmann::json& x) {
  return x.is_null() ? std::nullopt : std::optional<int64_t>{parse_rfc3339(x)};
}

} // namespace

const char* to_string(job_status status) {
  return status_names[static_cast<size_t>(status)];
}

std::optional<job_status> parse_job_status(const std::string& name) {
  for (size_t i = 0; i < status_names.size(); ++i)
    if (name == status_names[i])
      return static_cast<job_status>(i);
  return std::nullopt;
}

std::string format_rfc3339(int64_t epoch_ms) {
  auto seconds = static_cast<std::time_t>(epoch_ms / 1000);
  auto millis = static_cast<int>(epoch_ms % 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, millis);
  return buf;
}

int64_t parse_rfc3339(const std::string& text) {
  std::tm utc{};
  int millis = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &utc.tm_year, &utc.tm_mon,
                  &utc.tm_mday, &utc.tm_hour, &utc.tm_min, &utc.tm_sec, &millis)
      != 7)
    throw std::invalid_argument("not an RFC 3339 UTC timestamp: " + text);
  utc.tm_year -= 1900;
  utc.tm_mon -= 1;
  return static_cast<int64_t>(timegm(&utc)) * 1000 + millis;
}

void from_json(const nlohmann::json& j, job_info& info) {
  info.id = j.at("id").get<std::string>();
  info.type = j.at("type").get<std::string>();
  auto status = parse_job_status(j.at("status").get<std::string>());
  if (!status)
    throw std::invalid_argument("unknown job status in " + j.dump());
  info.status = *status;
  info.priority = j.at("priority").get<int32_t>();
  info.attempts = j.at("attempts").get<int32_t>();
  info.max_attempts = j.at("max_attempts").get<int32_t>();
  info.payload = j.at("payload");
  info.result = j.at("result");
  info.error = optional_from_json<std::string>(j.at("error"));
  info.progress = optional_from_json<double>(j.at("progress"));
  info.progress_message = optional_from_json<std::string>(j.at("progress_message"));
  info.created_at_ms = parse_rfc3339(j.at("created_at").get<std::string>());
  info.started_at_ms = time_from_json(j.at("started_at"));
  info.finished_at_ms = time_from_json(j.at("finished_at"));
  info.worker = optional_from_json<std::string>(j.at("worker"));
  if (auto group = j.find("group"); group != j.end())
    info.group = optional_from_json<std::string>(*group);
  info.cancel_requested = j.value("cancel_requested", false);
}

job_info job_info::from_json(const std::string& text) {
  return nlohmann::json::parse(text).get<job_info>();
}

namespace detail {

std::string to_json(const job_record& job) {
  return to_json(job, job.id);
}

std::string to_json(const job_record& job, const std::string& id) {
  nlohmann::json j{
    {"id", id},
    {"type", job.type},
    {"status", to_string(job.status)},
    {"priority", job.priority},
    {"attempts", job.attempts},
    {"max_attempts", job.max_attempts},
    {"error", optional_to_json(job.error)},
    {"progress", optional_to_json(job.progress)},
    {"progress_message", optional_to_json(job.progress_message)},
    {"created_at", format_rfc3339(job.created_at_ms)},
    {"started_at", time_to_json(job.started_at_ms)},
    {"finished_at", time_to_json(job.finished_at_ms)},
    {"worker", optional_to_json(job.worker)},
    {"group", optional_to_json(job.group)},
    {"cancel_requested", job.cancel_requested},
  };
  // Payload and result are stored as compact JSON text (validated when they
  // entered the engine): splice them in rather than parse them again.
  auto text = j.dump();
  text.pop_back();
  text.append(R"(,"payload":)").append(job.payload.empty() ? "null" : job.payload);
  text.append(R"(,"result":)").append(job.result.empty() ? "null" : job.result);
  text.push_back('}');
  return text;
}

job_record to_record(const stored_job& job) {
  job_record record;
  record.id = job.id;
  record.type = job.type;
  record.payload = job.payload;
  record.status = job.status;
  record.priority = job.options.priority;
  record.attempts = job.attempts;
  record.max_attempts = job.options.max_attempts;
  record.result = job.result;
  record.error = job.error;
  if (job.status == job_status::success)
    record.progress = 1.0;
  record.created_at_ms = job.created_at_ms;
  record.started_at_ms = job.started_at_ms;
  record.finished_at_ms = job.finished_at_ms;
  record.worker = job.worker;
  if (!job.options.group.empty())
    record.group = job.options.group;
  record.cancel_requested = job.cancel_requested;
  return record;
}

} // namespace detail

} // namespace troupe
