// troupe-bare-server: the ceiling of cpp-httplib on this machine. Answers
// POST /v1/jobs with a fixed 202 JSON body, with the same server settings as
// troupe's gateway (thread pool, keep-alive, TCP_NODELAY). Prints its URL.
#include <httplib.h>

#include <iostream>

int main() {
  httplib::Server server;
  server.new_task_queue = [] { return new httplib::ThreadPool(64); };
  server.set_tcp_nodelay(true);
  server.set_keep_alive_max_count(100000);
  server.set_keep_alive_timeout(5);
  const std::string body =
    R"({"id":"00000000-0000-4000-8000-000000000000","type":"echo","status":"pending"})";
  server.Post("/v1/jobs", [&](const httplib::Request&, httplib::Response& res) {
    res.status = 202;
    res.set_content(body, "application/json");
  });
  auto port = server.bind_to_any_port("127.0.0.1");
  std::cout << "listening on http://127.0.0.1:" << port << std::endl;
  server.listen_after_bind();
}
