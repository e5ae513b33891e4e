#include "detail/server.hpp"

#include "detail/batch_queue.hpp"
#include "detail/make_session.hpp"
#include "tcp_listener.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <caf/sec.hpp>

#include <thread>
#include <unordered_map>

namespace troupe::http::detail {

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using troupe::detail::cannot_open_port;
using troupe::detail::tcp_listener;

/// How often idle connections are checked while the server is crowded, and
/// how long accepting pauses when the process runs out of descriptors.
constexpr auto sweep_interval = std::chrono::milliseconds{100};
/// How long `stop` waits for answers to reach slow readers.
constexpr auto stop_grace = std::chrono::seconds{3};

} // namespace

class server::impl final : public session_host {
public:
  impl(server_settings settings, triage_fn triage, refusal_fn refusal, std::function<void()> wake)
      : settings_(std::move(settings)), triage_(std::move(triage)), refusal_(std::move(refusal)),
        wake_(std::move(wake)), io_(1), listener_(io_), sweep_timer_(io_), stop_timer_(io_) {}

  ~impl() override { stop(); }

  /// Loads TLS, binds and listens; then the I/O thread starts.
  caf::error open() {
    if (!settings_.tls_cert.empty()) {
      tls_.emplace(asio::ssl::context::tls_server);
      error_code ec;
      tls_->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2
                          | asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1
                          | asio::ssl::context::no_tlsv1_1,
                        ec);
      if (!ec)
        tls_->use_certificate_chain_file(settings_.tls_cert, ec);
      if (!ec)
        tls_->use_private_key_file(settings_.tls_key, asio::ssl::context::pem, ec);
      if (ec)
        return cannot_open_port("cannot load the TLS certificate " + settings_.tls_cert
                                + " and key " + settings_.tls_key + ": " + ec.message());
    }
    if (auto problem = listener_.listen(settings_.host, settings_.port); !problem.empty())
      return cannot_open_port(std::move(problem));
    listener_.accept([this](tcp::socket socket) { admit(std::move(socket)); });
    thread_ = std::thread{[this] { io_.run(); }};
    return {};
  }

  uint16_t port() const { return listener_.port(); }

  void stop() {
    if (!thread_.joinable())
      return;
    asio::post(io_, [this] {
      stopping_ = true;
      listener_.close();
      sweep_timer_.cancel();
      deliver_answers();
      for (auto& s : live_sessions())
        s->finish();
      if (sessions_.empty())
        return;
      stop_timer_.expires_after(stop_grace);
      stop_timer_.async_wait([this](error_code ec) {
        if (!ec)
          io_.stop();
      });
    });
    thread_.join();
  }

  std::vector<incoming_request> take_requests() { return incoming_.take(); }

  void answer(outgoing_answer a) {
    if (outgoing_.push(std::move(a)))
      asio::post(io_, [this] { deliver_answers(); });
  }

  const connection_counters& counters() const { return counters_; }

  // -- session_host --

  bool dispatch(const std::shared_ptr<session>& from, uint64_t number, request req) override {
    auto sorted = triage_(req);
    if (sorted.answer) {
      from->answer(number, std::move(*sorted.answer));
      return false;
    }
    if (incoming_.push(incoming_request{from, number, std::move(req)}))
      wake_();
    return sorted.waits;
  }

  void closed(session& s) override {
    sessions_.erase(&s);
    counters_.open.store(sessions_.size(), std::memory_order_relaxed);
    if (stopping_ && sessions_.empty())
      stop_timer_.cancel();
  }

  const session_limits& limits() const override { return settings_.session; }

  connection_counters& counters() override { return counters_; }

  std::string refusal_body(int status) const override { return refusal_(status); }

private:
  void admit(tcp::socket socket) {
    if (sessions_.size() >= settings_.max_connections)
      return refuse_at_once(std::move(socket));
    error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    auto s = make_session(std::move(socket), tls_ ? &*tls_ : nullptr, *this);
    sessions_.emplace(s.get(), s);
    counters_.accepted.fetch_add(1, std::memory_order_relaxed);
    counters_.open.store(sessions_.size(), std::memory_order_relaxed);
    if (crowded() && !sweeping_)
      sweep();
    s->start();
  }

  /// Beyond the cap: a plain-HTTP client is told so, a TLS client (which
  /// cannot be told without a handshake) sees the connection close.
  void refuse_at_once(tcp::socket socket) {
    counters_.refused.fetch_add(1, std::memory_order_relaxed);
    error_code ignored;
    if (!tls_) {
      auto body = refusal_(503);
      auto answer = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                    "Content-Length: "
                    + std::to_string(body.size())
                    + "\r\nConnection: close\r\nRetry-After: 1\r\n\r\n" + body;
      socket.non_blocking(true, ignored);
      socket.send(asio::buffer(answer), 0, ignored);
      // Read what the client sent, so that closing does not reset the
      // connection before the client reads the answer.
      char scratch[4096];
      while (socket.receive(asio::buffer(scratch), 0, ignored) > 0) {
      }
      socket.shutdown(tcp::socket::shutdown_send, ignored);
    }
    socket.close(ignored);
  }

  bool crowded() const { return sessions_.size() > settings_.max_connections / 2; }

  /// While crowded, closes connections idle longer than the busy-idle
  /// timeout; stops checking once the crowd is gone.
  void sweep() {
    sweeping_ = crowded() && !stopping_;
    if (!sweeping_)
      return;
    auto now = std::chrono::steady_clock::now();
    for (auto& s : live_sessions()) {
      auto since = s->idle_since();
      if (since && now - *since > settings_.busy_idle_timeout) {
        counters_.idle_closed.fetch_add(1, std::memory_order_relaxed);
        s->close();
      }
    }
    sweep_timer_.expires_after(sweep_interval);
    sweep_timer_.async_wait([this](error_code ec) {
      if (!ec)
        sweep();
    });
  }

  void deliver_answers() {
    for (auto& a : outgoing_.take())
      if (auto s = a.to.lock())
        s->answer(a.number, std::move(a.message));
  }

  /// The open sessions, held while the caller goes through them (a session
  /// it closes leaves `sessions_`).
  std::vector<std::shared_ptr<session>> live_sessions() {
    std::vector<std::shared_ptr<session>> live;
    live.reserve(sessions_.size());
    for (auto& entry : sessions_)
      live.push_back(entry.second);
    return live;
  }

  server_settings settings_;
  triage_fn triage_;
  refusal_fn refusal_;
  std::function<void()> wake_;
  // Declared before the io_context, so that sessions (destroyed with the
  // io_context's pending handlers) never outlive the TLS context.
  std::optional<asio::ssl::context> tls_;
  asio::io_context io_;
  tcp_listener listener_;
  asio::steady_timer sweep_timer_;
  asio::steady_timer stop_timer_;
  /// Every open session, owned here until it closes (a session whose
  /// request waits for the engine has no handler pending to hold it); the
  /// I/O thread's only. A session only closes while its caller holds it.
  std::unordered_map<session*, std::shared_ptr<session>> sessions_;
  bool sweeping_ = false;
  bool stopping_ = false;
  connection_counters counters_;
  batch_queue<incoming_request> incoming_;
  batch_queue<outgoing_answer> outgoing_;
  std::thread thread_;
};

server::server(std::unique_ptr<impl> self) : self_(std::move(self)) {}

server::~server() = default;

caf::expected<std::unique_ptr<server>> server::start(server_settings settings, triage_fn triage,
                                                     refusal_fn refusal,
                                                     std::function<void()> wake) {
  auto self = std::make_unique<impl>(std::move(settings), std::move(triage), std::move(refusal),
                                     std::move(wake));
  if (auto err = self->open())
    return err;
  return std::unique_ptr<server>{new server{std::move(self)}};
}

uint16_t server::port() const {
  return self_->port();
}

void server::stop() {
  self_->stop();
}

std::vector<incoming_request> server::take_requests() {
  return self_->take_requests();
}

void server::answer(outgoing_answer a) {
  self_->answer(std::move(a));
}

const connection_counters& server::counters() const {
  return self_->counters();
}

} // namespace troupe::http::detail
