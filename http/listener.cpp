#include "detail/listener.hpp"

#include "detail/connection.hpp"
#include "detail/sockets.hpp"

#include <openssl/ssl.h>

#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

namespace troupe::http::detail {

namespace {

using clock_type = std::chrono::steady_clock;

const char* reason_phrase(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 408:
      return "Request Timeout";
    case 413:
      return "Payload Too Large";
    case 431:
      return "Request Header Fields Too Large";
    default:
      return "Service Unavailable";
  }
}

} // namespace

// -- the listener --

class listener::impl {
public:
  impl(int listen_fd, ssl_ctx_ptr tls, listener_limits limits,
       std::shared_ptr<request_server> routes, refusal_body refusals,
       std::shared_ptr<connection_counters> counters)
      : listen_fd_(listen_fd), tls_(std::move(tls)), limits_(std::move(limits)),
        routes_(std::move(routes)), refusals_(std::move(refusals)), counters_(std::move(counters)) {
    port_ = bound_port(listen_fd_);
    epoll_ = epoll_create1(EPOLL_CLOEXEC);
    wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    watch(listen_fd_, EPOLLIN, &listen_fd_);
    watch(wake_fd_, EPOLLIN, &wake_fd_);
    for (size_t i = 0; i < std::max<size_t>(1, limits_.handler_threads); ++i)
      handlers_.emplace_back([this] { run_handler(); });
    events_ = std::thread{[this] { run_events(); }};
  }

  ~impl() {
    stop();
    close(epoll_);
    close(wake_fd_);
  }

  uint16_t port() const { return port_; }

  void stop() {
    if (stopping_.exchange(true))
      return;
    wake();
    events_.join();
    {
      std::lock_guard<std::mutex> guard{work_mtx_};
      work_closed_ = true;
    }
    work_ready_.notify_all();
    for (auto& t : handlers_)
      t.join();
    connections_.clear();
    counters_->open = 0;
  }

private:
  // -- event thread --

  void run_events() {
    std::vector<epoll_event> events(256);
    auto next_sweep = clock_type::now();
    while (!stopping_) {
      auto n = epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), sweep_ms);
      for (int i = 0; i < n; ++i) {
        auto* tag = events[i].data.ptr;
        if (tag == &listen_fd_)
          accept_all();
        else if (tag == &wake_fd_)
          take_returned();
        else
          on_readable(*static_cast<connection*>(tag));
      }
      auto now = clock_type::now();
      if (now >= next_sweep) {
        sweep(now);
        next_sweep = now + std::chrono::milliseconds{sweep_ms};
        if (std::exchange(accept_paused_, false))
          watch(listen_fd_, EPOLLIN, &listen_fd_);
      }
      counters_->open.store(connections_.size(), std::memory_order_relaxed);
    }
    close(listen_fd_);
    take_returned();
    // Connections that wait or read end now; handlers finish theirs.
    for (auto i = connections_.begin(); i != connections_.end();)
      i = i->second->at == connection::phase::handling ? std::next(i) : connections_.erase(i);
  }

  void accept_all() {
    for (;;) {
      sockaddr_storage addr{};
      socklen_t len = sizeof(addr);
      int fd =
        accept4(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR || errno == ECONNABORTED)
          continue;
        if (errno == EMFILE || errno == ENFILE) {
          // Out of descriptors: stop listening until the next sweep rather
          // than wake up for the same waiting connection again and again.
          epoll_ctl(epoll_, EPOLL_CTL_DEL, listen_fd_, nullptr);
          accept_paused_ = true;
        }
        return; // the backlog waits
      }
      if (connections_.size() >= limits_.max_connections) {
        refuse_at_once(fd);
        continue;
      }
      int yes = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes));
      auto conn = std::make_unique<connection>();
      conn->fd = fd;
      address_of(addr, conn->remote_ip, conn->remote_port);
      sockaddr_storage local{};
      len = sizeof(local);
      getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len);
      address_of(local, conn->local_ip, conn->local_port);
      if (tls_) {
        conn->tls = SSL_new(tls_.get());
        SSL_set_fd(conn->tls, fd);
        SSL_set_accept_state(conn->tls);
      }
      conn->since = clock_type::now();
      auto* raw = conn.get();
      connections_.emplace(raw, std::move(conn));
      counters_->accepted.fetch_add(1, std::memory_order_relaxed);
      watch(fd, EPOLLIN | EPOLLONESHOT, raw);
    }
  }

  /// Beyond the connection cap: a plain-HTTP client is told so, a TLS client
  /// (which cannot be told without a handshake) sees the connection close.
  void refuse_at_once(int fd) {
    if (!tls_) {
      auto answer = refusal(503);
      [[maybe_unused]] auto n = send(fd, answer.data(), answer.size(), MSG_NOSIGNAL);
      drain_and_close(fd);
    } else {
      close(fd);
    }
    counters_->refused.fetch_add(1, std::memory_order_relaxed);
  }

  void on_readable(connection& conn) {
    if (!conn.read_available()) {
      connections_.erase(&conn);
      return;
    }
    advance(conn);
    if (connections_.count(&conn) != 0 && conn.at != connection::phase::handling)
      watch(conn.fd,
            EPOLLIN | EPOLLONESHOT | (conn.wants_write ? static_cast<uint32_t>(EPOLLOUT) : 0u),
            &conn, EPOLL_CTL_MOD);
  }

  /// Looks at what a connection has received: waits for more, refuses it,
  /// or hands a whole request to a handler.
  void advance(connection& conn) {
    if (conn.received.empty())
      return;
    if (conn.at == connection::phase::idle) {
      conn.at = connection::phase::reading;
      conn.since = clock_type::now();
    }
    auto frame = frame_request(conn.received, limits_.framing);
    switch (frame.kind) {
      case request_frame::state::incomplete:
        if (frame.expects_continue && !conn.continued) {
          constexpr std::string_view interim = "HTTP/1.1 100 Continue\r\n\r\n";
          conn.continued = true;
          if (!conn.write_all(interim.data(), interim.size(), std::chrono::milliseconds{100}))
            connections_.erase(&conn);
        }
        return;
      case request_frame::state::refused:
        answer_and_close(conn, frame.status);
        return;
      case request_frame::state::complete:
        conn.at = connection::phase::handling;
        {
          std::lock_guard<std::mutex> guard{work_mtx_};
          work_.emplace_back(&conn, frame.length);
        }
        work_ready_.notify_one();
        return;
    }
  }

  /// Connections back from handlers: close them or wait for their next
  /// request (which may be buffered already).
  void take_returned() {
    uint64_t count;
    [[maybe_unused]] auto n = ::read(wake_fd_, &count, sizeof(count));
    std::vector<std::pair<connection*, bool>> returned;
    {
      std::lock_guard<std::mutex> guard{returned_mtx_};
      returned.swap(returned_);
    }
    for (auto [conn, keep] : returned) {
      if (!keep || stopping_) {
        connections_.erase(conn);
        continue;
      }
      conn->at = connection::phase::idle;
      conn->since = clock_type::now();
      if (conn->tls != nullptr && SSL_pending(conn->tls) > 0 && !conn->read_available()) {
        connections_.erase(conn);
        continue;
      }
      advance(*conn);
      if (connections_.count(conn) != 0 && conn->at != connection::phase::handling)
        watch(conn->fd, EPOLLIN | EPOLLONESHOT, conn, EPOLL_CTL_MOD);
    }
  }

  /// Closes connections idle too long and refuses requests too slow.
  void sweep(clock_type::time_point now) {
    auto crowded = connections_.size() > limits_.max_connections / 2;
    auto idle_limit = crowded ? limits_.busy_idle_timeout : limits_.idle_timeout;
    std::vector<connection*> too_slow;
    for (auto i = connections_.begin(); i != connections_.end();) {
      auto& conn = *i->second;
      if (conn.at == connection::phase::idle && now - conn.since > idle_limit) {
        i = connections_.erase(i);
        counters_->idle_closed.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      if (conn.at == connection::phase::reading && now - conn.since > limits_.request_timeout)
        too_slow.push_back(&conn);
      ++i;
    }
    for (auto* conn : too_slow)
      answer_and_close(*conn, 408);
    counters_->timed_out.fetch_add(too_slow.size(), std::memory_order_relaxed);
  }

  void answer_and_close(connection& conn, int status) {
    auto answer = refusal(status);
    conn.write_all(answer.data(), answer.size(), std::chrono::milliseconds{100});
    if (conn.tls != nullptr)
      SSL_shutdown(conn.tls);
    int fd = std::exchange(conn.fd, -1);
    connections_.erase(&conn);
    drain_and_close(fd);
  }

  /// Closes a socket after reading what the client sent, so that the kernel
  /// does not reset the connection before the client reads our answer.
  static void drain_and_close(int fd) {
    char buf[4096];
    while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0) {
    }
    shutdown(fd, SHUT_WR);
    close(fd);
  }

  std::string refusal(int status) const {
    auto body = refusals_(status);
    std::string answer = "HTTP/1.1 " + std::to_string(status) + " " + reason_phrase(status)
                         + "\r\nContent-Type: application/json\r\nContent-Length: "
                         + std::to_string(body.size()) + "\r\nConnection: close\r\n";
    if (status == 503)
      answer += "Retry-After: 1\r\n";
    return answer + "\r\n" + body;
  }

  void watch(int fd, uint32_t events, void* tag, int op = EPOLL_CTL_ADD) {
    epoll_event ev{};
    ev.events = events;
    ev.data.ptr = tag;
    epoll_ctl(epoll_, op, fd, &ev);
  }

  void wake() {
    uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof(one));
  }

  // -- handler threads --

  void run_handler() {
    for (;;) {
      std::pair<connection*, size_t> job;
      {
        std::unique_lock<std::mutex> guard{work_mtx_};
        work_ready_.wait(guard, [this] { return work_closed_ || !work_.empty(); });
        if (work_.empty())
          return;
        job = work_.front();
        work_.pop_front();
      }
      auto [conn, length] = job;
      auto keep = serve(*conn, length);
      // A busy client sends its next request right after reading the answer:
      // serve it on this thread rather than through the event thread, unless
      // other requests wait for a thread or it does not come at once.
      while (keep && !stopping_ && !work_waiting()) {
        auto frame = frame_request(conn->received, limits_.framing);
        if (frame.kind == request_frame::state::complete) {
          keep = serve(*conn, frame.length);
          continue;
        }
        if (!conn->received.empty() || !next_bytes_come_soon(*conn))
          break;
        keep = conn->read_available();
      }
      {
        std::lock_guard<std::mutex> guard{returned_mtx_};
        returned_.emplace_back(conn, keep);
      }
      wake();
    }
  }

  /// Serves the request in the first `length` bytes a connection received;
  /// returns whether the connection stays open.
  bool serve(connection& conn, size_t length) {
    request_stream stream{conn, std::string_view{conn.received}.substr(0, length)};
    auto keep = routes_->serve(stream, stopping_);
    auto& out = stream.response();
    keep = conn.write_all(out.data(), out.size(), limits_.write_timeout) && keep;
    conn.received.erase(0, length);
    conn.continued = false;
    if (conn.received.capacity() > (64u << 10) && conn.received.size() < (16u << 10))
      conn.received.shrink_to_fit();
    return keep;
  }

  bool work_waiting() {
    std::lock_guard<std::mutex> guard{work_mtx_};
    return !work_.empty();
  }

  /// Waits up to the linger time for a connection to become readable.
  bool next_bytes_come_soon(connection& conn) {
    if (conn.tls != nullptr && SSL_pending(conn.tls) > 0)
      return true;
    pollfd p{conn.fd, POLLIN, 0};
    return poll(&p, 1, linger_ms) > 0;
  }

  static constexpr int sweep_ms = 100;
  /// How long a handler thread waits for a kept-alive client's next request.
  static constexpr int linger_ms = 2;

  int listen_fd_;
  uint16_t port_ = 0;
  ssl_ctx_ptr tls_;
  listener_limits limits_;
  std::shared_ptr<request_server> routes_;
  refusal_body refusals_;
  std::shared_ptr<connection_counters> counters_;
  int epoll_ = -1;
  int wake_fd_ = -1;
  std::atomic<bool> stopping_{false};
  /// Whether accepting waits for descriptors to free up (event thread only).
  bool accept_paused_ = false;
  /// Every open connection; only the event thread adds or removes.
  std::unordered_map<connection*, std::unique_ptr<connection>> connections_;
  std::mutex work_mtx_;
  std::condition_variable work_ready_;
  std::deque<std::pair<connection*, size_t>> work_;
  bool work_closed_ = false;
  std::mutex returned_mtx_;
  std::vector<std::pair<connection*, bool>> returned_;
  std::vector<std::thread> handlers_;
  std::thread events_;
};

listener::listener(std::unique_ptr<impl> self) : self_(std::move(self)) {}

listener::~listener() = default;

caf::expected<std::unique_ptr<listener>>
listener::start(const std::string& host, uint16_t port, const tls_files& tls,
                listener_limits limits, std::shared_ptr<request_server> routes,
                refusal_body refusals, std::shared_ptr<connection_counters> counters) {
  ssl_ctx_ptr ctx;
  if (!tls.cert.empty()) {
    auto made = make_tls_context(tls.cert, tls.key);
    if (!made)
      return made.error();
    ctx = std::move(*made);
  }
  auto fd = bind_socket(host, port);
  if (!fd)
    return fd.error();
  return std::unique_ptr<listener>{
    new listener{std::make_unique<impl>(*fd, std::move(ctx), std::move(limits), std::move(routes),
                                        std::move(refusals), std::move(counters))}};
}

uint16_t listener::port() const {
  return self_->port();
}

void listener::stop() {
  self_->stop();
}

} // namespace troupe::http::detail
