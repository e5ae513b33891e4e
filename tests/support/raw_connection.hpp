// A plain TCP connection to a test server, for requests no HTTP client
// library would send: partial headers, pipelined requests, idle sockets.
#pragma once

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <optional>
#include <string>

namespace troupe::test {

/// One HTTP answer as read off the wire.
struct raw_response {
  int status = 0;
  std::string head;
  std::string body;

  /// The value of a header (first match, name case-insensitive), or "".
  std::string header(const std::string& name) const {
    auto lower = [](std::string s) {
      for (auto& c : s)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return s;
    };
    auto at = lower(head).find("\r\n" + lower(name) + ":");
    if (at == std::string::npos)
      return {};
    auto start = head.find_first_not_of(' ', at + name.size() + 3);
    return head.substr(start, head.find("\r\n", start) - start);
  }
};

class raw_connection {
public:
  /// Connects to 127.0.0.1:port; reads give up after `read_timeout_s`.
  explicit raw_connection(uint16_t port, int read_timeout_s = 10) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    timeval tv{read_timeout_s, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  }

  ~raw_connection() {
    if (fd_ >= 0)
      close(fd_);
  }

  raw_connection(const raw_connection&) = delete;
  raw_connection& operator=(const raw_connection&) = delete;
  raw_connection(raw_connection&& other) noexcept : fd_(other.fd_), buffered_(other.buffered_) {
    other.fd_ = -1;
  }

  /// Sends `data` as it is.
  void send_text(const std::string& data) {
    REQUIRE(::send(fd_, data.data(), data.size(), MSG_NOSIGNAL)
            == static_cast<ssize_t>(data.size()));
  }

  /// Reads one answer (headers, then a Content-Length body); nothing if the
  /// connection closed or the read timed out first.
  std::optional<raw_response> read_response() {
    size_t end;
    while ((end = buffered_.find("\r\n\r\n")) == std::string::npos)
      if (!fill())
        return std::nullopt;
    raw_response res;
    res.head = buffered_.substr(0, end + 4);
    res.status = std::stoi(res.head.substr(9, 3));
    auto content_length = res.header("Content-Length");
    size_t length = content_length.empty() ? 0 : std::stoul(content_length);
    while (buffered_.size() < end + 4 + length)
      if (!fill())
        return std::nullopt;
    res.body = buffered_.substr(end + 4, length);
    buffered_.erase(0, end + 4 + length);
    return res;
  }

  /// Waits until the server closes the connection (true) or the read times
  /// out (false); bytes that come first are kept for `read_response`.
  bool wait_closed() {
    while (fill()) {
    }
    return closed_;
  }

  /// Whether the server closed the connection, as seen by the last read.
  bool closed() const { return closed_; }

private:
  bool fill() {
    char buf[4096];
    auto n = recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) {
      closed_ = n == 0 || errno == ECONNRESET;
      return false;
    }
    buffered_.append(buf, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  std::string buffered_;
  bool closed_ = false;
};

} // namespace troupe::test
