#include "detail/connection.hpp"

#include <openssl/err.h>

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace troupe::http::detail {

// -- connection --

connection::~connection() {
  if (tls != nullptr)
    SSL_free(tls);
  if (fd >= 0)
    close(fd);
}

bool connection::read_available() {
  char buf[16384];
  for (;;) {
    ssize_t n;
    if (tls != nullptr) {
      n = SSL_read(tls, buf, sizeof(buf));
      if (n <= 0) {
        auto err = SSL_get_error(tls, static_cast<int>(n));
        ERR_clear_error();
        wants_write = err == SSL_ERROR_WANT_WRITE;
        return err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE;
      }
    } else {
      n = recv(fd, buf, sizeof(buf), 0);
      if (n == 0)
        return false;
      if (n < 0)
        return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
    }
    received.append(buf, static_cast<size_t>(n));
    // More than any request may be: let the framing refuse it.
    if (received.size() > (64u << 20))
      return true;
  }
}

bool connection::write_all(const char* data, size_t size, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (size > 0) {
    ssize_t n;
    short wait_for = POLLOUT;
    if (tls != nullptr) {
      n = SSL_write(tls, data, static_cast<int>(std::min<size_t>(size, 1 << 30)));
      if (n <= 0) {
        auto err = SSL_get_error(tls, static_cast<int>(n));
        ERR_clear_error();
        if (err != SSL_ERROR_WANT_WRITE && err != SSL_ERROR_WANT_READ)
          return false;
        wait_for = err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
      }
    } else {
      n = send(fd, data, size, MSG_NOSIGNAL);
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
        return false;
    }
    if (n > 0) {
      data += n;
      size -= static_cast<size_t>(n);
      continue;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    pollfd p{fd, wait_for, 0};
    if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0)
      return false;
  }
  return true;
}

// -- request_stream --

ssize_t request_stream::read(char* ptr, size_t size) {
  auto n = std::min(size, request_.size());
  std::copy_n(request_.data(), n, ptr);
  request_.remove_prefix(n);
  return static_cast<ssize_t>(n);
}

ssize_t request_stream::write(const char* ptr, size_t size) {
  // The listener answered `Expect: 100-continue` while the body arrived.
  constexpr std::string_view interim = "HTTP/1.1 100 Continue\r\n\r\n";
  if (conn_.continued && std::string_view{ptr, size} == interim)
    return static_cast<ssize_t>(size);
  response_.append(ptr, size);
  return static_cast<ssize_t>(size);
}

void request_stream::get_remote_ip_and_port(std::string& ip, int& port) const {
  ip = conn_.remote_ip;
  port = conn_.remote_port;
}

void request_stream::get_local_ip_and_port(std::string& ip, int& port) const {
  ip = conn_.local_ip;
  port = conn_.local_port;
}

} // namespace troupe::http::detail
