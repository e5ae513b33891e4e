// libFuzzer target: the strict reader of submissions. Whatever the bytes,
// it must not crash, and what it accepts must keep its own rules: options
// within their table, a payload that is itself strict JSON.
#include "troupe/job_request.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body{reinterpret_cast<const char*>(data), size};
  auto parsed = troupe::parse_job_request(body, 16);
  if (auto* req = std::get_if<troupe::job_request>(&parsed)) {
    if (req->type.empty() || troupe::check_options(req->options))
      std::abort();
    if (troupe::json_text_problem(req->payload, 16))
      std::abort();
  }
  troupe::json_text_problem(body, 16);
  return 0;
}
