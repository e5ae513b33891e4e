// A listening TCP socket on an Asio context, shared by the HTTP server and
// the node port's guard: it binds (SO_REUSEADDR, so a restarted server binds
// at once; no SO_REUSEPORT, which would let a second server share the port)
// and accepts until closed. When the process runs out of descriptors it
// pauses rather than wake for the same waiting connection again and again.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <caf/error.hpp>

#include <functional>
#include <string>

namespace troupe::detail {

/// CAF's `cannot_open_port`, with what went wrong.
caf::error cannot_open_port(std::string message);

class tcp_listener {
public:
  using socket_type = boost::asio::ip::tcp::socket;

  /// How long accepting pauses when the process runs out of descriptors.
  static constexpr auto descriptor_pause = std::chrono::milliseconds{100};

  explicit tcp_listener(boost::asio::io_context& io) : acceptor_(io), pause_(io) {}

  /// Listens on `host:port` (port 0 picks a free one); returns why not, or
  /// an empty string.
  std::string listen(const std::string& host, uint16_t port);

  /// The port listened on.
  uint16_t port() const { return port_; }

  /// Hands every accepted connection to `admit`, on the context's thread,
  /// until `close`.
  void accept(std::function<void(socket_type)> admit);

  /// Stops accepting; call on the context's thread.
  void close();

private:
  void accept_next();

  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer pause_;
  std::function<void(socket_type)> admit_;
  uint16_t port_ = 0;
  bool closed_ = false;
};

} // namespace troupe::detail
