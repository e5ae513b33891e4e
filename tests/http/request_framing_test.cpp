// Where a request ends in the bytes received so far.
#include "detail/request_framing.hpp"

#include <catch2/catch.hpp>

#include <string>

namespace troupe::http::detail {

namespace {

using kind = request_frame::state;

request_frame frame(const std::string& bytes, framing_limits limits = {}) {
  return frame_request(bytes, limits);
}

} // namespace

TEST_CASE("a request without a body ends after its header block") {
  std::string req = "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n";
  CHECK(frame(req.substr(0, req.size() - 1)).kind == kind::incomplete);
  auto whole = frame(req + "GET /next");
  CHECK(whole.kind == kind::complete);
  CHECK(whole.length == req.size());
}

TEST_CASE("a Content-Length body must arrive in full") {
  std::string head = "POST /v1/jobs HTTP/1.1\r\ncontent-length: 5\r\n\r\n";
  CHECK(frame(head + "abcd").kind == kind::incomplete);
  auto whole = frame(head + "abcdeGET");
  CHECK(whole.kind == kind::complete);
  CHECK(whole.length == head.size() + 5);
}

TEST_CASE("a chunked body ends with its last chunk and trailers") {
  std::string head = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  CHECK(frame(head + "3\r\nabc\r\n").kind == kind::incomplete);
  CHECK(frame(head + "3\r\nabc\r\n0\r\n").kind == kind::incomplete);
  std::string body = "3\r\nabc\r\n0\r\n\r\n";
  auto plain = frame(head + body + "GET");
  CHECK(plain.kind == kind::complete);
  CHECK(plain.length == head.size() + body.size());
  std::string trailed_body = "3;ext=1\r\nabc\r\n0\r\nX-T: 1\r\n\r\n";
  auto trailed = frame(head + trailed_body + "rest");
  CHECK(trailed.kind == kind::complete);
  CHECK(trailed.length == head.size() + trailed_body.size());
}

TEST_CASE("bodies and header blocks beyond the limits are refused") {
  framing_limits limits;
  limits.max_body_bytes = 10;
  limits.max_header_bytes = 64;
  auto body = frame("POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n", limits);
  CHECK(body.kind == kind::refused);
  CHECK(body.status == 413);
  auto chunks = frame("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nb\r\n", limits);
  CHECK(chunks.status == 413);
  auto headers = frame("GET / HTTP/1.1\r\nX: " + std::string(80, 'a'), limits);
  CHECK(headers.kind == kind::refused);
  CHECK(headers.status == 431);
}

TEST_CASE("ambiguous or malformed framing is refused 400") {
  CHECK(frame("POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n").status
        == 400);
  CHECK(frame("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n").status == 400);
  CHECK(frame("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n").status == 400);
  CHECK(frame("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n").status == 400);
  CHECK(frame("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n").status == 400);
  CHECK(frame("GET / HTTP/1.1\r\nno colon here\r\n\r\n").status == 400);
}

TEST_CASE("an Expect: 100-continue header is noticed before the body arrives") {
  auto f = frame("POST / HTTP/1.1\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\n");
  CHECK(f.kind == kind::incomplete);
  CHECK(f.expects_continue);
  CHECK(f.header_length > 0);
}

} // namespace troupe::http::detail
