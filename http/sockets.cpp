#include "detail/sockets.hpp"

#include <caf/error.hpp>
#include <caf/sec.hpp>

#include <openssl/err.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cstring>

namespace troupe::http::detail {

namespace {

caf::error start_error(std::string message) {
  return caf::error{static_cast<uint8_t>(caf::sec::cannot_open_port), caf::atom("system"),
                    caf::make_message(std::move(message))};
}

} // namespace

caf::expected<ssl_ctx_ptr> make_tls_context(const std::string& cert, const std::string& key) {
  ssl_ctx_ptr ctx{SSL_CTX_new(TLS_server_method())};
  if (!ctx || SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION) != 1
      || SSL_CTX_use_certificate_chain_file(ctx.get(), cert.c_str()) != 1
      || SSL_CTX_use_PrivateKey_file(ctx.get(), key.c_str(), SSL_FILETYPE_PEM) != 1
      || SSL_CTX_check_private_key(ctx.get()) != 1) {
    ERR_clear_error();
    return start_error("cannot load the TLS certificate " + cert + " and key " + key);
  }
  SSL_CTX_set_mode(ctx.get(), SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  return ctx;
}

caf::expected<int> bind_socket(const std::string& host, uint16_t port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  auto where = host + ":" + std::to_string(port);
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0)
    return start_error("cannot listen on " + where + ": unknown host");
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> guard{found, freeaddrinfo};
  int fd = socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return start_error("cannot listen on " + where + ": " + strerror(errno));
  // SO_REUSEADDR lets a restarted server bind at once; no SO_REUSEPORT, which
  // would let a second server share the port and take half the connections.
  int yes = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  if (bind(fd, found->ai_addr, found->ai_addrlen) != 0 || listen(fd, SOMAXCONN) != 0) {
    auto why = std::string{strerror(errno)};
    close(fd);
    return start_error("cannot listen on " + where + ": " + why);
  }
  return fd;
}

uint16_t bound_port(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  if (addr.ss_family == AF_INET6)
    return ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
  return ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
}

void address_of(const sockaddr_storage& addr, std::string& ip, int& port) {
  char text[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET6) {
    auto& in6 = reinterpret_cast<const sockaddr_in6&>(addr);
    inet_ntop(AF_INET6, &in6.sin6_addr, text, sizeof(text));
    port = ntohs(in6.sin6_port);
  } else {
    auto& in4 = reinterpret_cast<const sockaddr_in&>(addr);
    inet_ntop(AF_INET, &in4.sin_addr, text, sizeof(text));
    port = ntohs(in4.sin_port);
  }
  ip = text;
}

} // namespace troupe::http::detail
