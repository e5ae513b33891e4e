#include "nodes/node_port_guard.hpp"

#include "nodes/basp_frame_check.hpp"
#include "tcp_listener.hpp"
#include "troupe/log.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <caf/binary_deserializer.hpp>
#include <caf/io/basp_broker.hpp>
#include <caf/io/middleman.hpp>
#include <caf/sec.hpp>
#include <caf/send.hpp>

#include <fcntl.h>
#include <sys/socket.h>

#include <array>
#include <list>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace troupe::detail {

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using tls_stream = asio::ssl::stream<tcp::socket>;

/// What the guard keeps of a peer: enough to drop it.
class peer {
public:
  virtual ~peer() = default;
  virtual void start() = 0;
  virtual void close() = 0;
  /// Drops a peer that has not joined (too slow, or to make room).
  virtual void drop_unjoined(const std::string& why) = 0;
};

} // namespace

class node_port_guard::impl {
public:
  impl(caf::actor_system& sys, caf::actor gateway, std::shared_ptr<node_address_book> addresses,
       node_port_limits limits)
      : sys_(sys), gateway_(std::move(gateway)), addresses_(std::move(addresses)), limits_(limits),
        listener_(io_) {}

  ~impl() { stop(); }

  caf::error open(const node_settings& settings, const std::string& host, uint16_t port) {
    if (settings.tls()) {
      // Mutual TLS as CAF's OpenSSL module does it: every peer shows a
      // certificate the CA signed.
      tls_.emplace(asio::ssl::context::tls_server);
      error_code ec;
      tls_->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2
                          | asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1
                          | asio::ssl::context::no_tlsv1_1,
                        ec);
      if (!ec)
        tls_->use_certificate_chain_file(settings.tls_cert, ec);
      if (!ec)
        tls_->use_private_key_file(settings.tls_key, asio::ssl::context::pem, ec);
      if (!ec)
        tls_->load_verify_file(settings.tls_ca, ec);
      if (!ec)
        tls_->set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert, ec);
      if (ec)
        return cannot_open_port("cannot load the node TLS files: " + ec.message());
    }
    if (auto problem = listener_.listen(host, port); !problem.empty())
      return cannot_open_port(std::move(problem));
    basp_ = sys_.middleman().named_broker<caf::io::basp_broker>(caf::atom("BASP"));
    listener_.accept([this](tcp::socket socket) { admit(std::move(socket)); });
    thread_ = std::thread{[this] { io_.run(); }};
    return {};
  }

  void stop() {
    if (!thread_.joinable())
      return;
    asio::post(io_, [this] {
      listener_.close();
      auto all = peers_;
      for (auto& [ptr, p] : all)
        p->close();
      io_.stop();
    });
    thread_.join();
  }

  uint16_t port() const { return listener_.port(); }

  const node_port_counters& counters() const { return counters_; }

  // -- for peers --

  const node_port_limits& limits() const { return limits_; }

  node_port_counters& counters() { return counters_; }

  /// A peer sent a valid handshake: hands CAF its end of a new socketpair
  /// (as a connection to the published gateway) and returns ours; or
  /// nothing if the joined nodes are at their cap.
  std::optional<int> join(peer& p, std::string_view handshake, const std::string& address) {
    if (joined_ >= limits_.max_connections)
      return std::nullopt;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
      return std::nullopt;
    fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK);
    ++joined_;
    unjoined_.remove_if([&](peer* u) { return u == &p; });
    counters_.joined.fetch_add(1, std::memory_order_relaxed);
    caf::node_id node;
    caf::binary_deserializer reader{sys_, handshake.data(), handshake.size()};
    if (!reader(node)) {
      addresses_->put(node, address);
      node_of_[&p] = node;
    }
    auto& mm = sys_.middleman();
    mm.run_later([&mm, fd = sv[0], basp = basp_, gateway = gateway_, port = listener_.port()] {
      auto scribe = mm.backend().new_scribe(fd);
      caf::anon_send(basp, caf::publish_atom::value, std::move(scribe), port,
                     caf::actor_cast<caf::strong_actor_ptr>(gateway), std::set<std::string>{});
    });
    return sv[1];
  }

  void closed(peer& p, bool was_joined) {
    unjoined_.remove_if([&](peer* u) { return u == &p; });
    if (was_joined)
      --joined_;
    if (auto i = node_of_.find(&p); i != node_of_.end()) {
      addresses_->erase(i->second);
      node_of_.erase(i);
    }
    peers_.erase(&p);
  }

  /// Logs why a peer was dropped, at most once a second.
  void dropped(const std::string& address, const std::string& why) {
    auto now = std::chrono::steady_clock::now();
    if (now - last_log_ < std::chrono::seconds{1}) {
      ++unlogged_;
      return;
    }
    last_log_ = now;
    log(log_level::warn,
        "node port: dropped " + address + ": " + why
          + (unlogged_ > 0 ? " (and " + std::to_string(unlogged_) + " more since)" : ""));
    unlogged_ = 0;
  }

  asio::io_context& io() { return io_; }

private:
  void admit(tcp::socket socket);

  caf::actor_system& sys_;
  caf::actor gateway_;
  caf::actor basp_;
  std::shared_ptr<node_address_book> addresses_;
  node_port_limits limits_;
  node_port_counters counters_;
  std::optional<asio::ssl::context> tls_;
  asio::io_context io_;
  tcp_listener listener_;
  std::unordered_map<peer*, std::shared_ptr<peer>> peers_;
  /// Peers without a handshake, oldest first.
  std::list<peer*> unjoined_;
  size_t joined_ = 0;
  std::unordered_map<peer*, caf::node_id> node_of_;
  std::chrono::steady_clock::time_point last_log_;
  size_t unlogged_ = 0;
  std::thread thread_;
};

namespace {

/// One peer of the node port: frames from the network are checked and
/// passed on whole to CAF's end; whatever CAF writes goes back unchanged.
template <class Stream>
class guarded_peer final : public peer, public std::enable_shared_from_this<guarded_peer<Stream>> {
public:
  static constexpr bool is_tls = std::is_same_v<Stream, tls_stream>;

  template <class... Args>
  guarded_peer(node_port_guard::impl& guard, std::string address, Args&&... args)
      : guard_(guard), address_(std::move(address)), stream_(std::forward<Args>(args)...),
        local_(guard.io()), deadline_(guard.io()), check_(guard.limits().max_frame_bytes) {}

  void start() override {
    auto self = this->shared_from_this();
    deadline_.expires_after(guard_.limits().handshake_timeout);
    deadline_.async_wait([self](error_code ec) {
      if (!ec && !self->joined_ && !self->closed_)
        self->drop_unjoined("no handshake within the handshake timeout");
    });
    if constexpr (is_tls)
      stream_.async_handshake(asio::ssl::stream_base::server, [self](error_code ec) {
        if (ec)
          return self->drop_unjoined("TLS handshake failed: " + ec.message());
        self->read_network();
      });
    else
      read_network();
  }

  void close() override {
    if (closed_)
      return;
    closed_ = true;
    error_code ignored;
    deadline_.cancel();
    socket().shutdown(tcp::socket::shutdown_both, ignored);
    socket().close(ignored);
    local_.close(ignored);
    guard_.closed(*this, joined_);
  }

  void drop_unjoined(const std::string& why) override {
    guard_.counters().unjoined_dropped.fetch_add(1, std::memory_order_relaxed);
    guard_.dropped(address_, why);
    close();
  }

private:
  tcp::socket& socket() {
    if constexpr (is_tls)
      return stream_.next_layer();
    else
      return stream_;
  }

  void read_network() {
    auto self = this->shared_from_this();
    stream_.async_read_some(asio::buffer(network_buf_), [self](error_code ec, size_t n) {
      if (self->closed_)
        return;
      if (ec)
        return self->close();
      self->inbound_.append(self->network_buf_.data(), n);
      self->pass_on();
    });
  }

  /// Checks what came from the network and passes the whole valid frames
  /// on; reads more once CAF's end took them.
  void pass_on() {
    auto verdict = check_.scan(inbound_);
    if (verdict.violation) {
      guard_.counters().malformed.fetch_add(1, std::memory_order_relaxed);
      guard_.dropped(address_, "sent " + *verdict.violation);
      return close();
    }
    if (verdict.whole == 0)
      return read_network();
    if (!joined_) {
      auto fd = guard_.join(*this, verdict.handshake_payload, address_);
      if (!fd)
        return drop_unjoined("the node port holds its maximum of nodes");
      joined_ = true;
      deadline_.cancel();
      local_.assign(asio::local::stream_protocol(), *fd);
      read_local();
    }
    auto self = this->shared_from_this();
    asio::async_write(local_, asio::buffer(inbound_.data(), verdict.whole),
                      [self, whole = verdict.whole](error_code ec, size_t) {
                        if (self->closed_)
                          return;
                        if (ec)
                          return self->close();
                        self->inbound_.erase(0, whole);
                        self->pass_on();
                      });
  }

  /// Passes what CAF writes to the network, unchanged.
  void read_local() {
    auto self = this->shared_from_this();
    local_.async_read_some(asio::buffer(local_buf_), [self](error_code ec, size_t n) {
      if (self->closed_)
        return;
      if (ec)
        return self->close();
      asio::async_write(self->stream_, asio::buffer(self->local_buf_.data(), n),
                        [self](error_code ec, size_t) {
                          if (self->closed_)
                            return;
                          if (ec)
                            return self->close();
                          self->read_local();
                        });
    });
  }

  node_port_guard::impl& guard_;
  std::string address_;
  Stream stream_;
  asio::local::stream_protocol::socket local_;
  asio::steady_timer deadline_;
  basp_frame_check check_;
  std::string inbound_;
  std::array<char, 16384> network_buf_;
  std::array<char, 16384> local_buf_;
  bool joined_ = false;
  bool closed_ = false;
};

} // namespace

void node_port_guard::impl::admit(tcp::socket socket) {
  counters_.accepted.fetch_add(1, std::memory_order_relaxed);
  error_code ec;
  auto remote = socket.remote_endpoint(ec);
  auto address = ec ? std::string{"unknown"}
                    : remote.address().to_string() + ":" + std::to_string(remote.port());
  socket.set_option(tcp::no_delay(true), ec);
  // Room for a newcomer: the oldest connection without a handshake goes.
  if (unjoined_.size() >= limits_.max_unjoined) {
    auto oldest = peers_.at(unjoined_.front());
    oldest->drop_unjoined("making room for a newer connection");
  }
  std::shared_ptr<peer> p;
  if (tls_)
    p = std::make_shared<guarded_peer<tls_stream>>(*this, address, std::move(socket), *tls_);
  else
    p = std::make_shared<guarded_peer<tcp::socket>>(*this, address, std::move(socket));
  peers_.emplace(p.get(), p);
  unjoined_.push_back(p.get());
  p->start();
}

node_port_guard::node_port_guard(std::unique_ptr<impl> self) : self_(std::move(self)) {}

node_port_guard::~node_port_guard() = default;

caf::expected<std::unique_ptr<node_port_guard>>
node_port_guard::start(caf::actor_system& sys, caf::actor gateway, const node_settings& settings,
                       const std::string& host, uint16_t port,
                       std::shared_ptr<node_address_book> addresses, node_port_limits limits) {
  auto self = std::make_unique<impl>(sys, std::move(gateway), std::move(addresses), limits);
  if (auto err = self->open(settings, host, port))
    return err;
  return std::unique_ptr<node_port_guard>{new node_port_guard{std::move(self)}};
}

uint16_t node_port_guard::port() const {
  return self_->port();
}

const node_port_counters& node_port_guard::counters() const {
  return self_->counters();
}

} // namespace troupe::detail
