// libFuzzer target: the HTTP request path up to the engine. Bytes are read
// as Beast reads a connection, with the server's limits; a request that
// parses is sorted as the I/O thread sorts it and served as the gateway
// serves it, against an engine that refuses every call. Nothing may crash,
// and every request must be answered exactly once, in the API's shape.
#include "detail/routes.hpp"

#include <boost/beast/http/parser.hpp>

#include <caf/sec.hpp>

#include <cstdlib>

namespace {

using namespace troupe::http::detail;

/// An engine that refuses every call at once.
class refusing_engine final : public engine_port {
public:
  void ask(caf::message, std::chrono::milliseconds, text_reply then) override {
    then(caf::make_error(caf::sec::request_receiver_down));
  }

  void submit(troupe::job_request, submit_reply then) override {
    then(caf::make_error(caf::sec::request_receiver_down));
  }
};

troupe::http::gateway_config config() {
  troupe::http::gateway_config cfg;
  cfg.token = "secret";
  cfg.max_body = 4096;
  return cfg;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static api routes{config()};
  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(16 * 1024);
  parser.body_limit(4096);
  parser.eager(true);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (ec || !parser.is_done())
    return 0;
  auto req = parser.release();
  auto sorted = routes.sort(req);
  if (sorted.answer)
    return 0;
  refusing_engine engine;
  int answers = 0;
  routes.serve(std::move(req), engine, [&](response res) {
    ++answers;
    if (res.result_int() < 200 || res.result_int() > 599 || res.body().empty())
      std::abort();
  });
  if (answers != 1)
    std::abort();
  return 0;
}
