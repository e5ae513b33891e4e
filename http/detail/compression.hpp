// When and how JSON answers are compressed.
//
// Go's net/http, Python's requests and browsers send `Accept-Encoding: gzip`
// by default, and Debian's cpp-httplib then gzips every `application/json`
// answer, however small: that more than doubled the latency of a POST whose
// answer is a 300-byte job. So JSON answers carry
// `application/json; charset=utf-8`, which the library leaves alone, and the
// gateway compresses only bodies large enough for it to pay (job listings).
#pragma once

#include <httplib.h>

#include <string>

namespace troupe::http::detail {

/// The content type of every JSON answer.
constexpr auto json_content_type = "application/json; charset=utf-8";

/// Returns whether an `Accept-Encoding` value admits gzip.
bool accepts_gzip(const std::string& accept_encoding);

/// Compresses `res`'s body with gzip if it is JSON of at least `min_bytes`
/// and the client accepts gzip; says `Vary: Accept-Encoding` either way.
void compress_if_worth_it(const httplib::Request& req, httplib::Response& res, size_t min_bytes);

} // namespace troupe::http::detail
