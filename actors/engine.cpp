#include "troupe/engine.hpp"

#include "troupe/protocol.hpp"
#include "troupe/supervisor.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/after.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include <thread>

namespace troupe {

namespace {

/// Time allowed for the supervisor to answer a plain request.
constexpr auto request_timeout = std::chrono::seconds{30};

/// One blocking request to the supervisor; `on_reply` receives the answer.
template <class OnReply, class... Ts>
caf::error ask(caf::actor_system& sys, const caf::actor& supervisor,
               std::chrono::milliseconds timeout, OnReply on_reply, Ts&&... xs) {
  if (!supervisor)
    return make_error(errc::shutting_down, "the engine is not running");
  caf::error failure;
  caf::scoped_actor self{sys};
  self->request(supervisor, timeout, std::forward<Ts>(xs)...)
    .receive(on_reply, [&](caf::error& err) { failure = std::move(err); });
  return failure;
}

/// A request whose answer is a JSON object: a job snapshot or the stats.
template <class Result, class... Ts>
caf::expected<Result> ask_json(caf::actor_system& sys, const caf::actor& supervisor,
                               std::chrono::milliseconds timeout, Ts&&... xs) {
  std::optional<Result> result;
  auto on_reply = [&](std::string& json) { result = nlohmann::json::parse(json).get<Result>(); };
  if (auto err = ask(sys, supervisor, timeout, on_reply, std::forward<Ts>(xs)...))
    return err;
  return std::move(*result);
}

std::unique_ptr<caf::actor_system_config> default_system_config() {
  auto cfg = std::make_unique<caf::actor_system_config>();
  configure_system(*cfg);
  return cfg;
}

} // namespace

void configure_system(caf::actor_system_config& cfg) {
  // Workers have threads of their own, and so has the HTTP front's I/O; the
  // scheduler only runs the (short) handlers of the supervisor, the gateway
  // and the job actors: half the hardware threads. On 2 cores one scheduler
  // thread halved the context switches per job over HTTP against two (a
  // message between actors on the same thread wakes no other thread), and
  // CAF's default of at least 4 busy-polling threads would compete with the
  // runners.
  cfg.set("scheduler.max-threads", std::max<size_t>(1, std::thread::hardware_concurrency() / 2));
  // CAF 0.17's work-stealing threads poll each other's queues; an actor that
  // messages many idle actors at once (cancelling a large queue) then pays
  // 5-13 us per send instead of ~1 us with the shared queue (docs/benchmarks.md).
  cfg.set("scheduler.policy", caf::atom("sharing"));
  add_message_types(cfg);
}

engine::engine(engine_config config)
    : config_(std::move(config)), own_config_(default_system_config()),
      own_system_(std::make_unique<caf::actor_system>(*own_config_)), system_(own_system_.get()),
      handlers_(std::make_shared<handler_registry>()) {}

engine::engine(caf::actor_system& system, engine_config config)
    : config_(std::move(config)), system_(&system),
      handlers_(std::make_shared<handler_registry>()) {}

engine::~engine() {
  if (supervisor_)
    stop(std::chrono::seconds{30});
}

handler_registry& engine::handlers() {
  if (supervisor_)
    throw std::logic_error("troupe::engine: handlers cannot change after start()");
  return *handlers_;
}

caf::error engine::start() {
  if (supervisor_)
    throw std::logic_error("troupe::engine: already started");
  // The supervisor and workers get their own copy: the registry is frozen now.
  auto supervisor =
    spawn_supervisor(*system_, config_, std::make_shared<const handler_registry>(*handlers_));
  if (!supervisor)
    return supervisor.error();
  supervisor_ = std::move(*supervisor);
  return {};
}

caf::expected<engine_stats> engine::stop(std::chrono::milliseconds deadline) {
  auto result = drain(deadline);
  release();
  return result;
}

caf::expected<engine_stats> engine::drain(std::chrono::milliseconds deadline) {
  return ask_json<engine_stats>(*system_, supervisor_, deadline + request_timeout,
                                drain_atom::value, static_cast<int64_t>(deadline.count()));
}

void engine::release() {
  if (!supervisor_)
    return;
  // Wait until the supervisor is gone: it releases the store last, and a
  // caller may want to open the store again.
  caf::scoped_actor self{*system_};
  self->monitor(supervisor_);
  self->send_exit(supervisor_, caf::exit_reason::user_shutdown);
  self->receive([](const caf::down_msg&) {}, caf::after(request_timeout) >> [] {});
  supervisor_ = nullptr;
}

caf::expected<submission> engine::submit(const std::string& type, const nlohmann::json& payload,
                                         job_options options) {
  submission result;
  auto on_reply = [&](std::string& id, bool created) {
    result = submission{std::move(id), created};
  };
  if (auto err = ask(*system_, supervisor_, request_timeout, on_reply, submit_atom::value, type,
                     payload.dump(), std::move(options)))
    return err;
  return result;
}

caf::expected<job_info> engine::status(const std::string& id) {
  return ask_json<job_info>(*system_, supervisor_, request_timeout, status_atom::value, id);
}

caf::expected<job_info> engine::wait(const std::string& id, std::chrono::milliseconds timeout) {
  return ask_json<job_info>(*system_, supervisor_, timeout + request_timeout, wait_atom::value, id,
                            static_cast<int64_t>(timeout.count()));
}

caf::expected<job_info> engine::cancel(const std::string& id) {
  return ask_json<job_info>(*system_, supervisor_, request_timeout, cancel_atom::value, id);
}

caf::expected<job_info> engine::retry(const std::string& id) {
  return ask_json<job_info>(*system_, supervisor_, request_timeout, retry_atom::value, id);
}

caf::expected<engine_stats> engine::stats() {
  return ask_json<engine_stats>(*system_, supervisor_, request_timeout, stats_atom::value);
}

caf::expected<group_limit_state> engine::set_limit(const std::string& group,
                                                   const group_limit& limit) {
  return ask_json<group_limit_state>(*system_, supervisor_, request_timeout, limit_atom::value,
                                     group, nlohmann::json(limit).dump());
}

caf::expected<group_limit_state> engine::limit(const std::string& group) {
  return ask_json<group_limit_state>(*system_, supervisor_, request_timeout, limit_atom::value,
                                     group);
}

caf::expected<group_limit_state> engine::remove_limit(const std::string& group) {
  return ask_json<group_limit_state>(*system_, supervisor_, request_timeout, unlimit_atom::value,
                                     group);
}

} // namespace troupe
