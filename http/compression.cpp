#include "detail/compression.hpp"

#include <zlib.h>

#include <cctype>
#include <cstdlib>

namespace troupe::http::detail {

namespace {

std::string lowercase_trimmed(std::string s) {
  auto first = s.find_first_not_of(" \t");
  auto last = s.find_last_not_of(" \t");
  s = first == std::string::npos ? "" : s.substr(first, last - first + 1);
  for (auto& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

} // namespace

// The fastest level: a listing shrinks 5–10× either way, and the gateway
// should not spend more time compressing than it saves.
std::optional<std::string> gzip(const std::string& in) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return std::nullopt;
  std::string out;
  out.resize(deflateBound(&zs, in.size()));
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  auto rc = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END)
    return std::nullopt;
  return out;
}

bool accepts_gzip(const std::string& accept_encoding) {
  size_t start = 0;
  while (start <= accept_encoding.size()) {
    auto end = accept_encoding.find(',', start);
    auto item = accept_encoding.substr(start, end == std::string::npos ? end : end - start);
    auto semi = item.find(';');
    auto coding = lowercase_trimmed(item.substr(0, semi));
    if (coding == "gzip" || coding == "x-gzip" || coding == "*") {
      auto params = semi == std::string::npos ? "" : lowercase_trimmed(item.substr(semi + 1));
      if (params.rfind("q=", 0) != 0 || std::strtod(params.c_str() + 2, nullptr) > 0)
        return true;
    }
    if (end == std::string::npos)
      break;
    start = end + 1;
  }
  return false;
}

void compress_if_worth_it(const std::string& accept_encoding, response& res, size_t min_bytes) {
  if (res[bhttp::field::content_type] != json_content_type)
    return;
  res.set(bhttp::field::vary, "Accept-Encoding");
  if (res.body().size() < min_bytes || !accepts_gzip(accept_encoding))
    return;
  auto packed = gzip(res.body());
  if (!packed)
    return;
  res.body() = std::move(*packed);
  res.set(bhttp::field::content_encoding, "gzip");
}

} // namespace troupe::http::detail
