// Where the server gets its sessions: a plain or a TLS one over an accepted
// socket (session.cpp). Kept apart from session.hpp so that only the two
// files that run the I/O thread include Asio.
#pragma once

#include "detail/session.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

namespace troupe::http::detail {

/// A session on `socket`, with TLS through `tls` unless it is null.
std::shared_ptr<session> make_session(boost::asio::ip::tcp::socket socket,
                                      boost::asio::ssl::context* tls, session_host& host);

} // namespace troupe::http::detail
