#include "tcp_listener.hpp"

#include <caf/make_message.hpp>
#include <caf/sec.hpp>

#include <cerrno>

namespace troupe::detail {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

caf::error cannot_open_port(std::string message) {
  return caf::error{static_cast<uint8_t>(caf::sec::cannot_open_port), caf::atom("system"),
                    caf::make_message(std::move(message))};
}

std::string tcp_listener::listen(const std::string& host, uint16_t port) {
  auto where = host + ":" + std::to_string(port);
  error_code ec;
  tcp::resolver resolver{acceptor_.get_executor()};
  auto found = resolver.resolve(host, std::to_string(port),
                                tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || found.empty())
    return "cannot listen on " + where + ": unknown host";
  auto endpoint = found.begin()->endpoint();
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec)
    acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec)
    acceptor_.bind(endpoint, ec);
  if (!ec)
    acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return "cannot listen on " + where + ": " + ec.message();
  port_ = acceptor_.local_endpoint().port();
  return {};
}

void tcp_listener::accept(std::function<void(socket_type)> admit) {
  admit_ = std::move(admit);
  accept_next();
}

void tcp_listener::accept_next() {
  acceptor_.async_accept([this](error_code ec, tcp::socket socket) {
    if (closed_ || ec == asio::error::operation_aborted)
      return;
    if (ec == asio::error::no_descriptors || ec.value() == ENFILE) {
      pause_.expires_after(descriptor_pause);
      pause_.async_wait([this](error_code ec) {
        if (!ec && !closed_)
          accept_next();
      });
      return;
    }
    if (!ec)
      admit_(std::move(socket));
    accept_next();
  });
}

void tcp_listener::close() {
  closed_ = true;
  error_code ignored;
  acceptor_.close(ignored);
  pause_.cancel();
}

} // namespace troupe::detail
