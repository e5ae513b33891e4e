// HTTPS: the listener does TLS (OpenSSL) on the same terms as plain HTTP.
#include "support/http_fixture.hpp"
#include "support/raw_connection.hpp"

#include <openssl/ssl.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <set>

using namespace troupe;
using namespace troupe::test;

namespace {

/// A TLS client on a raw socket with a tiny receive buffer, so that the
/// server's answer must wait in the server until the test reads it.
class slow_tls_reader {
public:
  explicit slow_tls_reader(uint16_t port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    int small = 4096;
    setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
    ctx_ = SSL_CTX_new(TLS_client_method());
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
    REQUIRE(SSL_connect(ssl_) == 1);
  }

  ~slow_tls_reader() {
    SSL_free(ssl_);
    SSL_CTX_free(ctx_);
    close(fd_);
  }

  void send_text(const std::string& text) {
    REQUIRE(SSL_write(ssl_, text.data(), static_cast<int>(text.size()))
            == static_cast<int>(text.size()));
  }

  /// Reads one answer with a Content-Length body; returns its body.
  std::string read_body() {
    std::string got;
    char buf[16384];
    size_t end = std::string::npos, length = 0;
    while (end == std::string::npos || got.size() < end + 4 + length) {
      auto n = SSL_read(ssl_, buf, sizeof(buf));
      REQUIRE(n > 0);
      got.append(buf, static_cast<size_t>(n));
      if (end == std::string::npos && (end = got.find("\r\n\r\n")) != std::string::npos) {
        auto at = got.find("Content-Length: ");
        REQUIRE(at < end);
        length = std::stoul(got.substr(at + 16));
      }
    }
    return got.substr(end + 4, length);
  }

private:
  int fd_ = -1;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
};

/// A self-signed certificate for 127.0.0.1 in a fresh directory.
struct test_certificate {
  test_certificate() {
    dir = std::filesystem::temp_directory_path()
          / ("troupe-tls-" + std::to_string(::getpid()) + "-" + std::to_string(next++));
    std::filesystem::create_directories(dir);
    cert = (dir / "cert.pem").string();
    key = (dir / "key.pem").string();
    auto made = std::system(("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "
                             "/CN=127.0.0.1 -keyout "
                             + key + " -out " + cert + " 2>/dev/null")
                              .c_str());
    REQUIRE(made == 0);
  }

  ~test_certificate() { std::filesystem::remove_all(dir); }

  static inline int next = 0;
  std::filesystem::path dir;
  std::string cert;
  std::string key;
};

} // namespace

TEST_CASE_METHOD(http_fixture,
                 "an HTTPS answer larger than the socket buffers reaches a slow reader whole") {
  test_certificate tls;
  http::gateway_config cfg;
  cfg.tls_cert = tls.cert;
  cfg.tls_key = tls.key;
  cfg.max_body = 8 << 20;
  start(default_engine(), cfg);
  httplib::SSLClient other{"127.0.0.1", port};
  other.enable_server_certificate_verification(false);
  other.set_keep_alive(true);
  other.set_tcp_nodelay(true);
  check_answers(other, contract);
  // 1,000 jobs of 8 KiB: a listing of over 8 MiB, more than the kernel
  // buffers between the server and a reader that does not read.
  std::string filler(8192, 'x');
  for (int i = 0; i < 1000; ++i) {
    auto res = other.Post(
      "/v1/jobs", json{{"type", "echo"}, {"payload", filler + std::to_string(i)}}.dump(),
      "application/json");
    REQUIRE(res);
    REQUIRE(res->status == 202);
  }
  slow_tls_reader reader{port};
  reader.send_text("GET /v1/jobs?limit=1000 HTTP/1.1\r\nHost: t\r\n\r\n");
  // While that answer is stuck in the server, another client is served.
  auto health = other.Get("/healthz");
  REQUIRE(health);
  CHECK(health->status == 200);
  auto listing = json::parse(reader.read_body());
  REQUIRE(listing["jobs"].size() == 1000);
  std::set<std::string> payloads;
  for (auto& job : listing["jobs"])
    payloads.insert(job["payload"].get<std::string>());
  CHECK(payloads.size() == 1000);
  CHECK(payloads.count(filler + "999") == 1);
}


TEST_CASE_METHOD(http_fixture, "with a certificate and key the gateway serves HTTPS") {
  test_certificate certificate;
  http::gateway_config cfg;
  cfg.tls_cert = certificate.cert;
  cfg.tls_key = certificate.key;
  start(default_engine(), cfg);
  // Connections that never start their handshake do not hold up the others.
  std::vector<raw_connection> idle;
  for (int i = 0; i < 20; ++i)
    idle.emplace_back(port);
  httplib::SSLClient tls{"127.0.0.1", port};
  tls.enable_server_certificate_verification(false);
  check_answers(tls, contract);
  auto res = tls.Post("/v1/jobs", R"({"type":"echo","payload":42})", "application/json");
  REQUIRE(res);
  CHECK(res->status == 202);
  auto job = tls.Get(
    ("/v1/jobs/" + json::parse(res->body)["id"].get<std::string>() + "?wait_ms=10000").c_str());
  REQUIRE(job);
  CHECK(json::parse(job->body)["result"] == 42);
  httplib::Client plain{"127.0.0.1", port};
  auto refused = plain.Get("/healthz");
  CHECK((!refused || refused->status != 200));
}

TEST_CASE("a gateway whose certificate cannot be loaded reports why") {
  engine eng;
  REQUIRE_FALSE(eng.start());
  http::gateway_config cfg;
  cfg.port = 0;
  cfg.tls_cert = "/nonexistent/cert.pem";
  cfg.tls_key = "/nonexistent/key.pem";
  auto gateway = http::spawn_gateway(eng.system(), eng.supervisor(), cfg);
  auto port = http::listening_port(eng.system(), gateway);
  REQUIRE_FALSE(port);
  CHECK_THAT(describe(port.error()), Catch::Contains("certificate"));
  http::stop_gateway(eng.system(), gateway);
}
