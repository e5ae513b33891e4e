#include "detail/make_session.hpp"

#include "detail/answer_order.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <type_traits>

namespace troupe::http::detail {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using tls_stream = asio::ssl::stream<tcp::socket>;

/// How long a connection is drained after an answer that closes it, so
/// that the client reads the answer before the kernel resets the socket
/// over unread bytes.
constexpr auto linger_time = std::chrono::seconds{1};

/// The read buffer an idle connection may keep, and what it reads first.
constexpr size_t idle_buffer_bytes = 16 * 1024;
constexpr size_t first_read_bytes = 2048;

template <class Stream> class basic_session final : public session {
public:
  static constexpr bool is_tls = std::is_same_v<Stream, tls_stream>;

  template <class... Args>
  basic_session(session_host& host, Args&&... stream_args)
      : host_(host), stream_(std::forward<Args>(stream_args)...),
        read_timer_(socket().get_executor()), write_timer_(socket().get_executor()) {}

  void start() override {
    if constexpr (is_tls) {
      reading_ = reading::handshake;
      arm_read_deadline(host_.limits().idle_timeout);
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = shared_this()](error_code ec) { self->on_handshake(ec); });
    } else {
      await_request();
    }
  }

  void answer(uint64_t number, response res) override {
    if (closed_)
      return;
    answers_.answer(number, std::move(res));
    write_next();
  }

  std::optional<steady_time> idle_since() const override {
    if (closed_ || reading_ != reading::idle || !answers_.empty() || writing_)
      return std::nullopt;
    return idle_since_;
  }

  void finish() override {
    if (closed_)
      return;
    reading_ = reading::done;
    peer_gone_ = true;
    // Ends a pending read; writes go on.
    error_code ignored;
    socket().shutdown(tcp::socket::shutdown_receive, ignored);
    if (answers_.empty() && !writing_)
      close();
  }

  void close() override {
    if (closed_)
      return;
    closed_ = true;
    reading_ = reading::done;
    read_timer_.cancel();
    write_timer_.cancel();
    error_code ignored;
    socket().shutdown(tcp::socket::shutdown_both, ignored);
    socket().close(ignored);
    host_.closed(*this);
  }

private:
  enum class reading { handshake, idle, request, paused, done };

  tcp::socket& socket() { return beast::get_lowest_layer(stream_); }

  std::shared_ptr<basic_session> shared_this() {
    return std::static_pointer_cast<basic_session>(shared_from_this());
  }

  // -- reading --

  void on_handshake(error_code ec) {
    if (closed_)
      return;
    if (ec)
      return close();
    read_timer_.cancel();
    await_request();
  }

  /// Waits for the next request's first bytes, unless they are here.
  void await_request() {
    if (closed_ || reading_ == reading::done)
      return;
    if (answers_.size() >= host_.limits().max_pipeline) {
      reading_ = reading::paused;
      return;
    }
    reading_ = reading::idle;
    if (buffer_.size() > 0)
      return begin_request();
    idle_since_ = std::chrono::steady_clock::now();
    // Give back what a large request took; a small buffer stays for the
    // next request rather than be allocated again.
    if (buffer_.capacity() > idle_buffer_bytes)
      buffer_.shrink_to_fit();
    update_read_deadline();
    read_pending_ = true;
    // A read, not a wait for readability: Asio re-registers the socket with
    // epoll for every wait (a system call per request), never for a read;
    // and TLS may hold decrypted bytes that the socket no longer shows.
    auto space = buffer_.prepare(first_read_bytes);
    stream_.async_read_some(space, [self = shared_this()](error_code ec, size_t n) {
      self->read_pending_ = false;
      self->buffer_.commit(n);
      self->on_first_bytes(ec);
    });
  }

  void on_first_bytes(error_code ec) {
    if (closed_ || reading_ == reading::done || ec == asio::error::operation_aborted)
      return;
    if (ec)
      return on_read_error(ec);
    begin_request();
  }

  void begin_request() {
    reading_ = reading::request;
    request_started_ = std::chrono::steady_clock::now();
    update_read_deadline();
    auto& limits = host_.limits();
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(limits.max_header_bytes));
    parser_->body_limit(limits.max_body_bytes);
    read_pending_ = true;
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             [self = shared_this()](error_code ec, size_t) {
                               self->read_pending_ = false;
                               self->on_header(ec);
                             });
  }

  void on_header(error_code ec) {
    if (closed_ || reading_ == reading::done || ec == asio::error::operation_aborted)
      return;
    if (ec)
      return on_read_error(ec);
    const auto& head = parser_->get();
    // Only chunked is a transfer coding we read; anything else (or more
    // than one) is a framing that a proxy in front may read differently.
    if (head.count(bhttp::field::transfer_encoding) > 1
        || (head.count(bhttp::field::transfer_encoding) == 1
            && !beast::iequals(head[bhttp::field::transfer_encoding], "chunked")))
      return refuse(400);
    if (beast::iequals(head[bhttp::field::expect], "100-continue") && answers_.empty() && !writing_
        && !parser_->is_done()) {
      writing_ = true;
      continue_ = bhttp::response<bhttp::empty_body>{bhttp::status::continue_, head.version()};
      bhttp::async_write(stream_, continue_, [self = shared_this()](error_code ec, size_t) {
        self->writing_ = false;
        if (self->closed_)
          return;
        if (ec)
          return self->close();
        self->read_body();
        self->write_next();
      });
      return;
    }
    read_body();
  }

  void read_body() {
    read_pending_ = true;
    bhttp::async_read(stream_, buffer_, *parser_, [self = shared_this()](error_code ec, size_t) {
      self->read_pending_ = false;
      self->on_body(ec);
    });
  }

  void on_body(error_code ec) {
    if (closed_ || reading_ == reading::done || ec == asio::error::operation_aborted)
      return;
    if (ec)
      return on_read_error(ec);
    auto req = parser_->release();
    parser_.reset();
    auto keep_alive = req.keep_alive();
    auto number = answers_.add(req.version(), keep_alive);
    reading_ = keep_alive ? reading::idle : reading::done;
    // The host may answer at once (and the answer be written).
    if (host_.dispatch(shared_from_this(), number, std::move(req)))
      answers_.mark_waits(number);
    if (keep_alive)
      await_request();
    else
      update_read_deadline();
  }

  void on_read_error(error_code ec) {
    if (ec == bhttp::error::header_limit)
      return refuse(431);
    if (ec == bhttp::error::body_limit)
      return refuse(413);
    if (ec.category() == bhttp::make_error_code(bhttp::error::need_more).category()
        && ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message)
      return refuse(400);
    // The client is gone (or half-closed): what waits for the engine may
    // still be answered, unless it is a long-poll, which could hold the
    // connection for a minute after its client left.
    reading_ = reading::done;
    peer_gone_ = true;
    if (answers_.empty())
      return close();
    if (answers_.long_poll_waiting()) {
      host_.counters().abandoned.fetch_add(1, std::memory_order_relaxed);
      return close();
    }
    update_read_deadline();
  }

  /// Answers a request the session refuses on its own, after the answers
  /// before it, and reads nothing more: what follows cannot be trusted.
  void refuse(int status) {
    reading_ = reading::done;
    parser_.reset();
    response res{static_cast<bhttp::status>(status), 11};
    res.set(bhttp::field::content_type, "application/json");
    if (status == 503)
      res.set(bhttp::field::retry_after, "1");
    res.body() = host_.refusal_body(status);
    answers_.add_answered(11, std::move(res));
    update_read_deadline();
    write_next();
  }

  // -- deadlines --

  /// Arms the read-side deadline the state calls for: the idle timeout
  /// while nothing is to be answered, the request timeout while a request
  /// arrives (counted once the answers before it are written), none while
  /// the engine has the word.
  void update_read_deadline() {
    auto& limits = host_.limits();
    if (reading_ == reading::idle && answers_.empty())
      arm_read_deadline(limits.idle_timeout);
    else if (reading_ == reading::request && answers_.empty())
      arm_read_deadline(std::max(request_started_ + limits.request_timeout,
                                 std::chrono::steady_clock::now() + std::chrono::milliseconds{100})
                        - std::chrono::steady_clock::now());
    else
      read_timer_.cancel();
  }

  template <class Duration> void arm_read_deadline(Duration d) {
    read_timer_.expires_after(d);
    read_timer_.async_wait([self = shared_this()](error_code ec) { self->on_read_deadline(ec); });
  }

  void on_read_deadline(error_code ec) {
    if (closed_ || ec == asio::error::operation_aborted
        || read_timer_.expiry() > std::chrono::steady_clock::now())
      return;
    if (reading_ == reading::request && answers_.empty()) {
      host_.counters().timed_out.fetch_add(1, std::memory_order_relaxed);
      error_code ignored;
      socket().cancel(ignored); // only the read is pending: nothing is written now
      return refuse(408);
    }
    if ((reading_ == reading::idle || reading_ == reading::handshake) && answers_.empty()) {
      host_.counters().idle_closed.fetch_add(1, std::memory_order_relaxed);
      close();
    }
  }

  // -- writing --

  void write_next() {
    auto* next = answers_.ready();
    if (writing_ || closed_ || next == nullptr)
      return;
    auto& res = *next->answer;
    res.version(next->version);
    res.keep_alive(next->keep_alive && res.keep_alive());
    res.prepare_payload();
    writing_ = true;
    write_timer_.expires_after(host_.limits().write_timeout);
    write_timer_.async_wait([self = shared_this()](error_code ec) {
      if (!ec && !self->closed_ && self->write_timer_.expiry() <= std::chrono::steady_clock::now())
        self->close();
    });
    bhttp::async_write(stream_, res,
                       [self = shared_this()](error_code ec, size_t) { self->on_written(ec); });
  }

  void on_written(error_code ec) {
    writing_ = false;
    write_timer_.cancel();
    if (closed_)
      return;
    if (ec)
      return close();
    auto keep_alive = answers_.ready()->answer->keep_alive();
    answers_.pop();
    if (!keep_alive)
      return linger_and_close();
    if (peer_gone_ && answers_.empty())
      return close();
    update_read_deadline();
    if (reading_ == reading::paused)
      await_request();
    write_next();
  }

  /// After an answer that ends the connection: stop sending, read and drop
  /// what the client still sends for a moment, then close.
  void linger_and_close() {
    reading_ = reading::done;
    error_code ignored;
    if (is_tls || read_pending_)
      return close();
    socket().shutdown(tcp::socket::shutdown_send, ignored);
    read_timer_.expires_after(linger_time);
    read_timer_.async_wait([self = shared_this()](error_code ec) {
      if (!ec)
        self->close();
    });
    drain();
  }

  void drain() {
    auto space = buffer_.prepare(4096);
    socket().async_read_some(space, [self = shared_this()](error_code ec, size_t) {
      if (self->closed_)
        return;
      if (ec)
        return self->close();
      self->buffer_.clear();
      self->drain();
    });
  }

  session_host& host_;
  Stream stream_;
  asio::steady_timer read_timer_;
  asio::steady_timer write_timer_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bhttp::response<bhttp::empty_body> continue_;
  answer_order answers_;
  reading reading_ = reading::idle;
  steady_time idle_since_ = std::chrono::steady_clock::now();
  steady_time request_started_;
  bool read_pending_ = false;
  bool writing_ = false;
  bool peer_gone_ = false;
  bool closed_ = false;
};

} // namespace

std::shared_ptr<session> make_session(tcp::socket socket, asio::ssl::context* tls,
                                      session_host& host) {
  if (tls != nullptr)
    return std::make_shared<basic_session<tls_stream>>(host, std::move(socket), *tls);
  return std::make_shared<basic_session<tcp::socket>>(host, std::move(socket));
}

} // namespace troupe::http::detail
