// libFuzzer target: the node port's frame rules. Whatever a peer sends, in
// whatever pieces, the check must not crash, must pass on only what a fresh
// check finds whole and valid, and must never pass more than it was given.
#include "nodes/basp_frame_check.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1)
    return 0;
  // The first byte cuts the rest into pieces, as the network might.
  size_t piece = 1 + data[0] % 64;
  std::string_view bytes{reinterpret_cast<const char*>(data) + 1, size - 1};
  troupe::detail::basp_frame_check check{4096};
  std::string passed, buffered;
  for (size_t at = 0; at < bytes.size(); at += piece) {
    buffered.append(bytes.substr(at, piece));
    auto verdict = check.scan(buffered);
    if (verdict.whole > buffered.size())
      std::abort();
    passed.append(buffered, 0, verdict.whole);
    buffered.erase(0, verdict.whole);
    if (verdict.violation)
      break;
  }
  // Everything passed on is valid as a whole, for a check that sees it at once.
  troupe::detail::basp_frame_check fresh{4096};
  auto again = fresh.scan(passed);
  if (again.violation || again.whole != passed.size())
    std::abort();
  return 0;
}
