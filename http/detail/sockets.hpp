// Setting up the listening socket and TLS context of the HTTP listener.
#pragma once

#include <caf/expected.hpp>

#include <openssl/ssl.h>

#include <sys/socket.h>

#include <cstdint>
#include <memory>
#include <string>

namespace troupe::http::detail {

struct ssl_ctx_deleter {
  void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};

/// An OpenSSL server context.
using ssl_ctx_ptr = std::unique_ptr<SSL_CTX, ssl_ctx_deleter>;

/// A server context with a PEM certificate chain and key, TLS 1.2 or newer.
caf::expected<ssl_ctx_ptr> make_tls_context(const std::string& cert, const std::string& key);

/// A non-blocking listening socket on `host:port` (SO_REUSEADDR, backlog
/// SOMAXCONN), or why there is none.
caf::expected<int> bind_socket(const std::string& host, uint16_t port);

/// The port a socket is bound to.
uint16_t bound_port(int fd);

/// The numeric address and port of `addr`.
void address_of(const sockaddr_storage& addr, std::string& ip, int& port);

} // namespace troupe::http::detail
