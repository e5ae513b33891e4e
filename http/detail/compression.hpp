// When and how JSON answers are compressed.
//
// Go's net/http, Python's requests and browsers send `Accept-Encoding: gzip`
// by default, but compressing a 300-byte job more than doubled the latency of
// a POST (measured when cpp-httplib gzipped every JSON answer). So the
// gateway compresses only bodies large enough for it to pay (job listings),
// on its own thread, never on the I/O thread.
#pragma once

#include "detail/session.hpp"

#include <string>

namespace troupe::http::detail {

/// The content type of every JSON answer.
constexpr auto json_content_type = "application/json; charset=utf-8";

/// Returns whether an `Accept-Encoding` value admits gzip.
bool accepts_gzip(const std::string& accept_encoding);

/// Compresses `res`'s body with gzip if it is JSON of at least `min_bytes`
/// and the client (`accept_encoding`) accepts gzip; says
/// `Vary: Accept-Encoding` either way.
void compress_if_worth_it(const std::string& accept_encoding, response& res, size_t min_bytes);

/// `body` gzipped at the fastest level, or nothing if zlib fails.
std::optional<std::string> gzip(const std::string& body);

} // namespace troupe::http::detail
