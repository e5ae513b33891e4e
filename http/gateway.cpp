#include "troupe/http/gateway.hpp"

#include "detail/pending_calls.hpp"
#include "detail/routes.hpp"
#include "detail/server.hpp"
#include "troupe/errors.hpp"
#include "troupe/protocol.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/sec.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

namespace troupe::http {

namespace {

using detail::engine_port;
using ms = std::chrono::milliseconds;

/// The I/O thread queued requests: `(flush_atom)`.
using flush_atom = caf::atom_constant<caf::atom("flush")>;
/// Time to refuse the engine calls that outlived their deadline.
using tick_atom = caf::atom_constant<caf::atom("tick")>;
/// Answers once no request waits for the engine: `(settle_atom) -> ok`.
using settle_atom = caf::atom_constant<caf::atom("settle")>;

/// How long a stopping gateway lets the engine answer open calls.
constexpr auto settle_timeout = std::chrono::seconds{5};

/// How often overdue engine calls are looked for, while any is open.
constexpr auto tick_interval = ms{500};

/// The gateway's calls into the engine, with the continuations that answer
/// them. Submissions are collected and sent as one `submit_many` per batch.
class engine_calls final : public engine_port {
public:
  engine_calls(caf::event_based_actor* self, caf::actor supervisor, ms submit_timeout)
      : self_(self), supervisor_(std::move(supervisor)), submit_timeout_(submit_timeout) {}

  void ask(caf::message question, ms timeout, text_reply then) override {
    if (!supervisor_)
      return then(engine_gone());
    auto number = open(timeout, [then](const caf::error& err) { then(err); });
    self_->request(supervisor_, caf::infinite, std::move(question))
      .then(
        [this, number, then](std::string& reply) {
          if (calls_.close(number))
            then(std::move(reply));
          notify_if_settled();
        },
        [this, number, then](caf::error& err) {
          if (calls_.close(number))
            then(std::move(err));
          notify_if_settled();
        });
  }

  void submit(job_request job, submit_reply then) override {
    jobs_.push_back(std::move(job));
    replies_.push_back(std::move(then));
  }

  /// Sends the submissions collected since the last call.
  void send_submissions() {
    if (jobs_.empty())
      return;
    auto replies = std::make_shared<std::vector<submit_reply>>(std::move(replies_));
    replies_.clear();
    auto refuse_all = [replies](const caf::error& err) {
      for (auto& reply : *replies)
        reply(err);
    };
    if (!supervisor_) {
      jobs_.clear();
      return refuse_all(engine_gone());
    }
    auto number = open(submit_timeout_, refuse_all);
    self_->request(supervisor_, caf::infinite, submit_many_atom::value, std::move(jobs_))
      .then(
        [this, number, replies](std::vector<submit_outcome>& outcomes) {
          if (calls_.close(number))
            for (size_t i = 0; i < replies->size(); ++i)
              (*replies)[i](i < outcomes.size()
                              ? caf::expected<submit_outcome>{std::move(outcomes[i])}
                              : caf::make_error(caf::sec::invalid_argument));
          notify_if_settled();
        },
        [this, number, refuse_all](caf::error& err) {
          if (calls_.close(number))
            refuse_all(err);
          notify_if_settled();
        });
    jobs_.clear();
  }

  /// Refuses the calls whose deadline passed; keeps ticking while any is open.
  void tick() {
    calls_.expire(std::chrono::steady_clock::now(), caf::make_error(caf::sec::request_timeout));
    ticking_ = calls_.size() > 0;
    if (ticking_)
      self_->delayed_send(self_, tick_interval, tick_atom::value);
    notify_if_settled();
  }

  /// Calls `settled` once no call waits for the engine (at once if none
  /// does): a stopping server first lets the engine answer what it was asked.
  void when_settled(std::function<void()> settled) {
    settled_ = std::move(settled);
    notify_if_settled();
  }

  const caf::actor& supervisor() const { return supervisor_; }

  /// Later calls go to `next` (calls open now are answered by the old one).
  void switch_to(caf::actor next) { supervisor_ = std::move(next); }

  /// The engine is gone: every open call and every later one is refused.
  void engine_down() {
    supervisor_ = nullptr;
    calls_.refuse_all(engine_gone());
  }

  /// The gateway stops: every open call is refused.
  void shut_down() {
    supervisor_ = nullptr;
    calls_.refuse_all(make_error(errc::shutting_down, "the server is shutting down"));
  }

private:
  void notify_if_settled() {
    if (settled_ && calls_.size() == 0)
      std::exchange(settled_, nullptr)();
  }

  static caf::error engine_gone() { return caf::make_error(caf::sec::request_receiver_down); }

  uint64_t open(ms timeout, detail::pending_calls::refuse_fn refuse) {
    auto number = calls_.open(std::chrono::steady_clock::now() + timeout, std::move(refuse));
    if (!ticking_) {
      ticking_ = true;
      self_->delayed_send(self_, tick_interval, tick_atom::value);
    }
    return number;
  }

  caf::event_based_actor* self_;
  caf::actor supervisor_;
  ms submit_timeout_;
  detail::pending_calls calls_;
  bool ticking_ = false;
  std::function<void()> settled_;
  std::vector<job_request> jobs_;
  std::vector<submit_reply> replies_;
};

struct gateway_state {
  std::unique_ptr<detail::api> api;
  std::unique_ptr<engine_calls> engine;
  std::unique_ptr<detail::server> server;
  caf::expected<uint16_t> port{caf::error{}};

  /// Answers what still waits for the engine, writes it, closes every
  /// connection and ends the I/O thread.
  void stop() {
    if (engine)
      engine->shut_down();
    if (server)
      server->stop();
  }

  ~gateway_state() { stop(); }

  static inline const char* name = "troupe.gateway";
};

using gateway_ptr = caf::stateful_actor<gateway_state>*;

detail::server_settings settings_of(const gateway_config& cfg) {
  detail::server_settings s;
  s.host = cfg.host;
  s.port = cfg.port;
  s.tls_cert = cfg.tls_cert;
  s.tls_key = cfg.tls_key;
  s.max_connections = cfg.max_connections;
  s.busy_idle_timeout = cfg.busy_idle_timeout;
  s.session.request_timeout = cfg.request_timeout;
  s.session.idle_timeout = cfg.idle_timeout;
  s.session.write_timeout = cfg.write_timeout;
  s.session.max_body_bytes = cfg.max_body;
  return s;
}

/// Serves the requests the I/O thread queued: each is routed, and answered
/// now or when the engine replies; the batch's submissions leave together.
void serve_queued(gateway_ptr self) {
  auto& st = self->state;
  auto* server = st.server.get();
  for (auto& in : server->take_requests())
    st.api->serve(std::move(in.message), *st.engine,
                  [server, to = std::move(in.from), number = in.number](detail::response res) {
                    server->answer({to, number, std::move(res)});
                  });
  st.engine->send_submissions();
}

caf::behavior gateway(gateway_ptr self, caf::actor supervisor, gateway_config cfg) {
  auto& st = self->state;
  st.api = std::make_unique<detail::api>(cfg);
  st.engine = std::make_unique<engine_calls>(self, supervisor, cfg.engine_timeout);
  self->monitor(supervisor);
  self->set_down_handler([=](const caf::down_msg& down) {
    if (down.source == self->state.engine->supervisor().address())
      self->state.engine->engine_down();
  });
  self->set_exit_handler([=](const caf::exit_msg& exit) {
    self->state.stop();
    self->quit(exit.reason);
  });
  auto* api = st.api.get();
  auto wake = [gateway = caf::actor_cast<caf::weak_actor_ptr>(self)] {
    if (auto target = caf::actor_cast<caf::actor>(gateway))
      caf::anon_send(target, flush_atom::value);
  };
  auto started = detail::server::start(
    settings_of(cfg), [api](const detail::request& req) { return api->sort(req); },
    [api](int status) { return api->refusal_body(status); }, std::move(wake));
  if (started) {
    st.port = (*started)->port();
    st.server = std::move(*started);
    api->set_connection_counters(&st.server->counters());
  } else {
    st.port = std::move(started.error());
  }
  return {
    [=](port_atom) -> caf::result<uint16_t> {
      if (self->state.port)
        return *self->state.port;
      return self->state.port.error();
    },
    [=](flush_atom) {
      if (self->state.server)
        serve_queued(self);
    },
    [=](tick_atom) { self->state.engine->tick(); },
    [=](engine_atom, caf::actor next) {
      auto& engine = *self->state.engine;
      if (engine.supervisor())
        self->demonitor(engine.supervisor());
      self->monitor(next);
      engine.switch_to(std::move(next));
    },
    [=](settle_atom) -> caf::result<caf::ok_atom> {
      auto promise = self->make_response_promise<caf::ok_atom>();
      self->state.engine->when_settled(
        [promise]() mutable { promise.deliver(caf::ok_atom::value); });
      return promise;
    },
  };
}

} // namespace

caf::actor spawn_gateway(caf::actor_system& sys, caf::actor supervisor, gateway_config config) {
  return sys.spawn(gateway, std::move(supervisor), std::move(config));
}

caf::expected<uint16_t> listening_port(caf::actor_system& sys, const caf::actor& gateway) {
  caf::expected<uint16_t> port{caf::error{}};
  caf::scoped_actor self{sys};
  self->request(gateway, std::chrono::seconds{10}, port_atom::value)
    .receive([&](uint16_t p) { port = p; }, [&](caf::error& err) { port = std::move(err); });
  return port;
}

void switch_engine(const caf::actor& gateway, caf::actor supervisor) {
  caf::anon_send(gateway, engine_atom::value, std::move(supervisor));
}

void stop_gateway(caf::actor_system& sys, const caf::actor& gateway) {
  caf::scoped_actor self{sys};
  // The engine may still answer what the clients asked it (a result that
  // just came, a wait ended by the drain): let it, within a bound.
  self->request(gateway, settle_timeout, settle_atom::value)
    .receive([](caf::ok_atom) {}, [](const caf::error&) {});
  self->monitor(gateway);
  self->send_exit(gateway, caf::exit_reason::user_shutdown);
  self->receive([](const caf::down_msg&) {});
}

} // namespace troupe::http
