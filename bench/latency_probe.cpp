// Phase 2 of troupe-bench: a client that submits at a fixed rate and watches
// every job it submitted.
#include "bench_support.hpp"

#include <troupe/protocol.hpp>

#include <caf/all.hpp>

#include <deque>
#include <future>
#include <nlohmann/json.hpp>
#include <unordered_map>

namespace troupe::bench {

namespace {

using namespace std::chrono;

struct pacer_state {
  latencies measured;
  /// Send times of submissions not yet answered; answers come in order.
  std::deque<steady_clock::time_point> unanswered;
  std::unordered_map<std::string, steady_clock::time_point> sent;
  size_t submitted = 0;
  steady_clock::time_point start;
  static inline const char* name = "bench.pacer";
};

/// Submits at `rate` jobs/s, watches each job, and records its latency. Plain
/// sends, as in `flood`: the answers arrive as ordinary messages.
caf::behavior pacer(caf::stateful_actor<pacer_state>* self, caf::actor supervisor, size_t rate,
                    size_t total, std::shared_ptr<std::promise<latencies>> done) {
  using tick_atom = caf::atom_constant<caf::atom("tick")>;
  self->state.start = steady_clock::now();
  self->send(self, tick_atom::value);
  return {
    [=](tick_atom) {
      auto& st = self->state;
      auto due =
        std::min(total, static_cast<size_t>(duration<double>(steady_clock::now() - st.start).count()
                                            * static_cast<double>(rate)));
      for (; st.submitted < due; ++st.submitted) {
        st.unanswered.push_back(steady_clock::now());
        self->send(supervisor, troupe::submit_atom::value, std::string{"echo"}, std::string{"null"},
                   troupe::job_options{});
      }
      if (st.submitted < total)
        self->delayed_send(self, milliseconds{1}, tick_atom::value);
    },
    [=](std::string& id, bool) {
      auto& st = self->state;
      st.measured.acknowledged.push_back(
        duration<double, std::micro>(steady_clock::now() - st.unanswered.front()).count());
      st.sent.emplace(id, st.unanswered.front());
      st.unanswered.pop_front();
      self->send(supervisor, troupe::watch_atom::value, std::move(id));
    },
    [](caf::ok_atom) {},
    [=](troupe::finished_atom, const std::string& job_json) {
      auto& st = self->state;
      auto id = nlohmann::json::parse(job_json).at("id").get<std::string>();
      auto i = st.sent.find(id);
      st.measured.finished.push_back(
        duration<double, std::micro>(steady_clock::now() - i->second).count());
      st.sent.erase(i);
      if (st.measured.finished.size() == total) {
        done->set_value(std::move(st.measured));
        self->quit();
      }
    },
  };
}

} // namespace

latencies measure_latency(caf::actor_system& sys, const caf::actor& supervisor, size_t rate,
                          size_t total) {
  auto done = std::make_shared<std::promise<latencies>>();
  auto result = done->get_future();
  sys.spawn(pacer, supervisor, rate, total, done);
  return result.get();
}

} // namespace troupe::bench
