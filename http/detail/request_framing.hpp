// Where one HTTP/1.1 request ends in the bytes a connection has sent so far.
//
// The listener reads requests on one event thread and hands a request to a
// handler thread only once all of it has arrived, so a client that sends
// slowly holds a few bytes of buffer instead of a thread. To know when that
// is, it needs the request's length: the header block, then a body framed by
// `Content-Length` or by chunked transfer coding. Everything else about the
// request (method, path, header values) is cpp-httplib's to parse.
#pragma once

#include <cstddef>
#include <string_view>

namespace troupe::http::detail {

/// Limits on what a request may be.
struct framing_limits {
  /// Longest header block (request line and headers) accepted.
  size_t max_header_bytes = 16 * 1024;
  /// Largest body accepted.
  size_t max_body_bytes = 1 << 20;
};

/// What is known about the first request in a buffer.
struct request_frame {
  enum class state {
    /// More bytes are needed.
    incomplete,
    /// The first `length` bytes are one whole request.
    complete,
    /// The request is refused with `status` (400, 413 or 431).
    refused,
  };
  state kind = state::incomplete;
  /// Bytes of the whole request, once complete.
  size_t length = 0;
  /// Bytes of the header block, once known (0 before).
  size_t header_length = 0;
  /// Whether the client waits for `100 Continue` before sending its body.
  bool expects_continue = false;
  /// HTTP status for a refusal.
  int status = 0;
};

/// Finds the first request in `buffered`.
request_frame frame_request(std::string_view buffered, const framing_limits& limits);

} // namespace troupe::http::detail
