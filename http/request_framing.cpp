#include "detail/request_framing.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <optional>
#include <string>

namespace troupe::http::detail {

namespace {

using frame_state = request_frame::state;

constexpr std::string_view crlf = "\r\n";

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x))
                  == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

bool contains_token(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    auto comma = list.find(',');
    if (iequals(trim(list.substr(0, comma)), token))
      return true;
    if (comma == std::string_view::npos)
      break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

std::optional<uint64_t> parse_decimal(std::string_view s) {
  if (s.empty() || s.size() > 18)
    return std::nullopt;
  uint64_t value = 0;
  for (char c : s) {
    if (c < '0' || c > '9')
      return std::nullopt;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  return value;
}

request_frame refuse(int status) {
  request_frame frame;
  frame.kind = frame_state::refused;
  frame.status = status;
  return frame;
}

/// Finds the end of a chunked body that starts at `pos`; sets `frame`.
void frame_chunked(std::string_view buffered, size_t pos, const framing_limits& limits,
                   request_frame& frame) {
  constexpr size_t max_size_line = 1024;
  uint64_t body = 0;
  for (;;) {
    auto eol = buffered.find(crlf, pos);
    if (eol == std::string_view::npos) {
      if (buffered.size() - pos > max_size_line)
        frame = refuse(400);
      return;
    }
    auto line = buffered.substr(pos, eol - pos);
    line = trim(line.substr(0, line.find(';')));
    if (line.empty() || line.size() > 15 || !std::all_of(line.begin(), line.end(), [](char c) {
          return std::isxdigit(static_cast<unsigned char>(c));
        })) {
      frame = refuse(400);
      return;
    }
    auto size = std::stoull(std::string{line}, nullptr, 16);
    body += size;
    if (body > limits.max_body_bytes) {
      frame = refuse(413);
      return;
    }
    pos = eol + crlf.size();
    if (size == 0) {
      // Optional trailer fields, then an empty line.
      if (buffered.substr(pos, 2) == crlf) {
        frame.kind = frame_state::complete;
        frame.length = pos + 2;
        return;
      }
      auto end = buffered.find("\r\n\r\n", pos);
      if (end == std::string_view::npos) {
        if (buffered.size() - pos > limits.max_header_bytes)
          frame = refuse(431);
        return;
      }
      frame.kind = frame_state::complete;
      frame.length = end + 4;
      return;
    }
    if (buffered.size() < pos + size + crlf.size())
      return;
    if (buffered.substr(pos + size, crlf.size()) != crlf) {
      frame = refuse(400);
      return;
    }
    pos += size + crlf.size();
  }
}

} // namespace

request_frame frame_request(std::string_view buffered, const framing_limits& limits) {
  request_frame frame;
  auto end = buffered.find("\r\n\r\n");
  if (end == std::string_view::npos || end + 4 > limits.max_header_bytes) {
    if (end != std::string_view::npos || buffered.size() > limits.max_header_bytes)
      return refuse(431);
    return frame;
  }
  frame.header_length = end + 4;
  std::optional<uint64_t> content_length;
  bool chunked = false;
  auto headers = buffered.substr(0, end);
  // The request line comes first; header fields follow, one per line.
  auto pos = headers.find(crlf);
  while (pos != std::string_view::npos) {
    pos += crlf.size();
    auto eol = headers.find(crlf, pos);
    auto line = headers.substr(pos, eol == std::string_view::npos ? eol : eol - pos);
    pos = eol;
    auto colon = line.find(':');
    if (colon == std::string_view::npos)
      return refuse(400);
    auto name = line.substr(0, colon);
    auto value = trim(line.substr(colon + 1));
    if (iequals(name, "Content-Length")) {
      auto length = parse_decimal(value);
      if (!length || (content_length && *content_length != *length))
        return refuse(400);
      content_length = length;
    } else if (iequals(name, "Transfer-Encoding")) {
      chunked = contains_token(value, "chunked");
      if (!chunked)
        return refuse(400);
    } else if (iequals(name, "Expect")) {
      frame.expects_continue = iequals(value, "100-continue");
    }
  }
  // Both framings at once is how requests get smuggled past proxies.
  if (chunked && content_length)
    return refuse(400);
  if (chunked) {
    frame_chunked(buffered, frame.header_length, limits, frame);
    return frame;
  }
  auto body = content_length.value_or(0);
  if (body > limits.max_body_bytes)
    return refuse(413);
  if (buffered.size() >= frame.header_length + body) {
    frame.kind = frame_state::complete;
    frame.length = frame.header_length + body;
  }
  return frame;
}

} // namespace troupe::http::detail
