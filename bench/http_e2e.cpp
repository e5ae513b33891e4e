// troupe-http-bench URL [--clients N] [--rate JOBS_PER_S] [--jobs N]
//
// End to end over HTTP: N client threads (keep-alive connections) submit
// `echo` jobs and long-poll each until `success`. With --rate the clients
// share that submission rate; with --rate 0 they go as fast as they can.
// Prints completed jobs/s and submit→success latency p50/p99.
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <mutex>
#include <thread>
#include <vector>

using namespace std::chrono;
using json = nlohmann::json;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: troupe-http-bench http://HOST:PORT [--clients N] [--rate R] [--jobs N]\n";
    return 2;
  }
  std::string url = argv[1];
  size_t clients = 16, rate = 1000, jobs = 5000;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    auto value = std::stoul(argv[i + 1]);
    if (flag == "--clients")
      clients = value;
    else if (flag == "--rate")
      rate = value;
    else if (flag == "--jobs")
      jobs = value;
  }
  std::mutex mtx;
  std::vector<double> latencies_ms;
  size_t failures = 0;
  auto start = steady_clock::now();
  std::vector<std::thread> threads;
  for (size_t c = 0; c < clients; ++c)
    threads.emplace_back([&, c] {
      httplib::Client cli{url};
      cli.set_keep_alive(true);
      cli.set_tcp_nodelay(true);
      cli.set_read_timeout(30, 0);
      auto share = jobs / clients + (c < jobs % clients ? 1 : 0);
      for (size_t i = 0; i < share; ++i) {
        if (rate > 0) {
          // Job k of all clients is due at k / rate seconds.
          auto k = i * clients + c;
          std::this_thread::sleep_until(start + microseconds{k * 1000000 / rate});
        }
        auto t0 = steady_clock::now();
        auto res = cli.Post("/v1/jobs", R"({"type":"echo","payload":{"n":1}})", "application/json");
        bool ok = res && res->status == 202;
        if (ok) {
          auto id = json::parse(res->body)["id"].get<std::string>();
          for (;;) {
            auto got = cli.Get(("/v1/jobs/" + id + "?wait_ms=10000").c_str());
            if (!got || got->status != 200) {
              ok = false;
              break;
            }
            auto status = json::parse(got->body)["status"];
            if (status == "success")
              break;
            if (status == "failed" || status == "cancelled") {
              ok = false;
              break;
            }
          }
        }
        auto ms = duration<double, std::milli>(steady_clock::now() - t0).count();
        std::lock_guard<std::mutex> guard{mtx};
        if (ok)
          latencies_ms.push_back(ms);
        else
          ++failures;
      }
    });
  for (auto& t : threads)
    t.join();
  auto elapsed = duration<double>(steady_clock::now() - start).count();
  std::sort(latencies_ms.begin(), latencies_ms.end());
  auto at = [&](double q) {
    return latencies_ms.empty()
             ? 0.0
             : latencies_ms[static_cast<size_t>(q * static_cast<double>(latencies_ms.size() - 1))];
  };
  std::cout << clients << " clients, rate " << (rate ? std::to_string(rate) : "unpaced") << ": "
            << static_cast<size_t>(static_cast<double>(latencies_ms.size()) / elapsed)
            << " jobs/s completed, p50 " << at(0.5) << " ms, p99 " << at(0.99) << " ms, "
            << failures << " failures" << std::endl;
  return failures == 0 ? 0 : 1;
}
