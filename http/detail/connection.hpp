// One client connection of the HTTP listener, and the stream through which
// cpp-httplib reads its request and writes the answer.
#pragma once

#include <httplib.h>

#include <openssl/ssl.h>

#include <chrono>
#include <string>
#include <string_view>

namespace troupe::http::detail {

/// One client connection. The event thread owns it while it idles or reads;
/// a handler thread owns it while its request is served.
struct connection {
  enum class phase { idle, reading, handling };

  int fd = -1;
  SSL* tls = nullptr;
  phase at = phase::idle;
  /// When the connection started to idle, or its request's first byte came.
  std::chrono::steady_clock::time_point since;
  /// Bytes received and not yet served.
  std::string received;
  /// Whether `100 Continue` was sent for the request being read.
  bool continued = false;
  /// Whether epoll also waits for writability (a TLS handshake that wants it).
  bool wants_write = false;
  std::string remote_ip;
  int remote_port = 0;
  std::string local_ip;
  int local_port = 0;

  /// Frees the TLS state and closes the socket.
  ~connection();

  /// Reads what is available without blocking; returns false once the
  /// connection is closed or broken.
  bool read_available();

  /// Writes all of `data`, waiting up to `timeout` for the client to read.
  bool write_all(const char* data, size_t size, std::chrono::milliseconds timeout);
};

/// The stream cpp-httplib reads one request from and writes its response to.
/// The request is already in memory; the response is collected and sent in
/// one piece when the handler is done.
class request_stream : public httplib::Stream {
public:
  request_stream(connection& conn, std::string_view request) : conn_(conn), request_(request) {}

  bool is_readable() const override { return !request_.empty(); }

  bool is_writable() const override { return true; }

  ssize_t read(char* ptr, size_t size) override;

  ssize_t write(const char* ptr, size_t size) override;

  void get_remote_ip_and_port(std::string& ip, int& port) const override;

  void get_local_ip_and_port(std::string& ip, int& port) const override;

  socket_t socket() const override { return conn_.fd; }

  /// The answer cpp-httplib wrote.
  const std::string& response() const { return response_; }

private:
  connection& conn_;
  std::string_view request_;
  std::string response_;
};

} // namespace troupe::http::detail
