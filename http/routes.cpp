#include "detail/routes.hpp"

#include "detail/api_error.hpp"
#include "detail/compression.hpp"
#include "detail/dashboard.hpp"
#include "detail/request_target.hpp"
#include "troupe/errors.hpp"
#include "troupe/job_request.hpp"
#include "troupe/protocol.hpp"
#include "troupe/standby.hpp"

#include <openssl/crypto.h>

#include <nlohmann/json.hpp>

#include <algorithm>

namespace troupe::http::detail {

namespace {

using json = nlohmann::json;
using ms = std::chrono::milliseconds;
using target = request_target;

constexpr int64_t max_wait_ms = 60000;
constexpr int64_t max_list_limit = 1000;

response json_answer(int status, std::string body) {
  response res{static_cast<bhttp::status>(status), 11};
  res.set(bhttp::field::content_type, json_content_type);
  res.body() = std::move(body);
  return res;
}

response error_answer(const api_error& err) {
  auto res = json_answer(err.status, err.body());
  if (err.status == 429 || err.status == 503)
    res.set(bhttp::field::retry_after, "1");
  if (err.status == 401)
    res.set(bhttp::field::www_authenticate, "Bearer");
  return res;
}

/// The engine's JSON, or its refusal.
response from_engine(int status, const caf::expected<std::string>& reply) {
  if (!reply)
    return error_answer(from_engine_error(reply.error()));
  return json_answer(status, *reply);
}

/// Whether a path segment can be a job id at all: an id is printable ASCII,
/// so anything else names no job, and the message need not repeat it.
bool may_be_job_id(const std::string& id) {
  return !id.empty() && id.size() <= 64
         && std::all_of(id.begin(), id.end(), [](char c) { return c > ' ' && c < 127; });
}

const api_error no_such_job{404, "not_found", "no job with that id"};
const api_error no_such_route{404, "not_found", "no such route"};

bool is_job_path(const target& t) {
  return t.names_one_of("jobs") || t.names_one_of("jobs", 1);
}

} // namespace

// -- handlers --

/// The handlers of the routes that need the engine; each answers `done`
/// exactly once.
class api::handlers {
public:
  handlers(api& self, engine_port& engine, const target& where, const request& req, answer_fn done)
      : self_(self), cfg_(self.config_), engine_(engine), where_(where), req_(req),
        done_(std::move(done)) {}

  void submit_job() {
    auto parsed = parse_job_request(req_.body(), cfg_.max_json_depth);
    if (auto* problem = std::get_if<request_problem>(&parsed))
      return done_(error_answer(
        {400,
         problem->what == request_problem::kind::invalid_json ? "invalid_json" : "invalid_field",
         problem->message}));
    engine_.submit(std::move(std::get<job_request>(parsed)),
                   [&engine = engine_, timeout = cfg_.engine_timeout,
                    done = done_](caf::expected<submit_outcome> outcome) {
                     if (outcome && outcome->error)
                       outcome = std::move(outcome->error);
                     if (!outcome)
                       return done(error_answer(from_engine_error(outcome.error())));
                     auto status = outcome->created ? 202 : 200;
                     auto location = "/v1/jobs/" + outcome->id;
                     auto located = [=](response res) {
                       if (res.result_int() == static_cast<unsigned>(status))
                         res.set(bhttp::field::location, location);
                       done(std::move(res));
                     };
                     if (!outcome->job.empty())
                       return located(json_answer(status, std::move(outcome->job)));
                     // A repeated key naming a job that only the store holds.
                     engine.ask(
                       caf::make_message(status_atom::value, outcome->id), timeout,
                       [=](caf::expected<std::string> job) { located(from_engine(status, job)); });
                   });
  }

  void get_job(const std::string& id) {
    int64_t wait_ms = 0;
    if (auto err = where_.int_param("wait_ms", 0, max_wait_ms, wait_ms))
      return done_(error_answer(*err));
    if (wait_ms == 0)
      return ask(200, cfg_.engine_timeout, status_atom::value, id);
    ask(200, cfg_.engine_timeout + ms{wait_ms}, wait_atom::value, id, wait_ms);
  }

  void cancel_job(const std::string& id) { ask(202, cfg_.engine_timeout, cancel_atom::value, id); }

  void retry_job(const std::string& id) { ask(202, cfg_.engine_timeout, retry_atom::value, id); }

  void list_jobs() {
    int64_t limit = 100;
    if (auto err = where_.int_param("limit", 1, max_list_limit, limit))
      return done_(error_answer(*err));
    auto status = where_.param("status").value_or("");
    if (!status.empty() && !parse_job_status(status))
      return done_(error_answer({400, "invalid_field",
                                 "status must be one of pending, running, success, failed, "
                                 "cancelled"}));
    job_filter filter{status, where_.param("type").value_or(""), where_.param("group").value_or(""),
                      limit, where_.param("before").value_or("")};
    engine_.ask(caf::make_message(list_atom::value, std::move(filter)), cfg_.engine_timeout,
                [done = done_](caf::expected<std::string> jobs) {
                  if (!jobs)
                    return done(error_answer(from_engine_error(jobs.error())));
                  done(json_answer(200, R"({"jobs":)" + *jobs + "}"));
                });
  }

  void put_limit(const std::string& group) {
    if (auto problem = json_text_problem(req_.body(), cfg_.max_json_depth))
      return done_(error_answer({400, "invalid_json", "the body is not valid JSON: " + *problem}));
    ask(200, cfg_.engine_timeout, limit_atom::value, group, std::string{req_.body()});
  }

  void get_limit(const std::string& group) {
    ask(200, cfg_.engine_timeout, limit_atom::value, group);
  }

  void list_limits() {
    int64_t limit = 100;
    if (auto err = where_.int_param("limit", 1, max_list_limit, limit))
      return done_(error_answer(*err));
    engine_.ask(caf::make_message(limits_atom::value, where_.param("after").value_or(""), limit),
                cfg_.engine_timeout, [done = done_](caf::expected<std::string> limits) {
                  if (!limits)
                    return done(error_answer(from_engine_error(limits.error())));
                  done(json_answer(200, R"({"limits":)" + *limits + "}"));
                });
  }

  void delete_limit(const std::string& group) {
    ask(200, cfg_.engine_timeout, unlimit_atom::value, group);
  }

  // A standby's stats are for its /readyz and /metrics: the API's clients
  // (and the dashboard behind a balancer) are sent to the active server.
  void get_stats() {
    with_stats([done = done_](const engine_stats& stats) {
      if (stats.leader.role == "standby")
        return done(error_answer(from_engine_error(standby_refusal(stats.leader.epoch))));
      done(json_answer(200, json(stats).dump()));
    });
  }

  void get_workers() { ask(200, cfg_.engine_timeout, workers_atom::value); }

  void readyz() {
    with_stats([done = done_](const engine_stats& stats) {
      if (stats.leader.role == "standby") {
        // The role beside the error, for whoever looks at the balancer.
        auto res = error_answer(from_engine_error(standby_refusal(stats.leader.epoch)));
        res.body() = json{{"role", "standby"}, {"error", json::parse(res.body())["error"]}}.dump();
        return done(std::move(res));
      }
      if (!stats.accepting)
        return done(error_answer({503, "not_ready", "the engine is shutting down"}));
      if (!stats.healthy)
        return done(
          error_answer({503, "not_ready", "worker restarts exceeded their limit (escalated)"}));
      if (!stats.store.healthy)
        return done(error_answer(
          {503, "not_ready", "the job store refuses writes: " + stats.store.error.value_or("")}));
      done(json_answer(200, json{{"status", "ready"}, {"role", stats.leader.role}}.dump()));
    });
  }

  void metrics() {
    with_stats([done = done_, &requests = self_.requests_,
                connections = self_.connections_](const engine_stats& stats) {
      response res{bhttp::status::ok, 11};
      res.set(bhttp::field::content_type, "text/plain; version=0.0.4");
      static const connection_counters none;
      res.body() = render_metrics(stats, requests, connections ? *connections : none);
      done(std::move(res));
    });
  }

private:
  template <class... Ts> void ask(int status, ms timeout, Ts&&... question) {
    engine_.ask(caf::make_message(std::forward<Ts>(question)...), timeout,
                [status, done = done_](caf::expected<std::string> reply) {
                  done(from_engine(status, reply));
                });
  }

  template <class F> void with_stats(F then) {
    engine_.ask(caf::make_message(stats_atom::value), cfg_.engine_timeout,
                [then, done = done_](caf::expected<std::string> reply) {
                  if (!reply)
                    return done(error_answer(from_engine_error(reply.error())));
                  then(json::parse(*reply).get<engine_stats>());
                });
  }

  api& self_;
  const gateway_config& cfg_;
  engine_port& engine_;
  const target& where_;
  const request& req_;
  answer_fn done_;
};

// -- api --

api::api(gateway_config config) : config_(std::move(config)) {
  // The dashboard's files, compressed once for the clients that take gzip.
  for (auto& file : dashboard_files()) {
    auto ends_with = [&](std::string_view suffix) {
      return file.url.size() >= suffix.size()
             && file.url.substr(file.url.size() - suffix.size()) == suffix;
    };
    assets_.push_back({std::string{file.url}, "GET " + std::string{file.url},
                       ends_with(".js")    ? "text/javascript; charset=utf-8"
                       : ends_with(".css") ? "text/css; charset=utf-8"
                                           : "text/html; charset=utf-8",
                       file.body, gzip(std::string{file.body}).value_or("")});
  }
}

triage api::sort(const request& req) {
  auto where = request_target::parse(req);
  if (!where)
    return {};
  auto path = where->url.path();
  auto answered = [&](std::string_view route, response res) {
    requests_.count(route, res.result_int());
    return triage{std::move(res), false};
  };
  if (req.method() == bhttp::verb::get && path == "/healthz")
    return answered("GET /healthz", json_answer(200, R"({"status":"ok"})"));
  if (req.method() == bhttp::verb::get)
    for (auto& file : assets_)
      if (file.url == path) {
        // It holds no data (the page asks the API for that, with the
        // user's token), so it is served without one.
        response res{bhttp::status::ok, 11};
        res.set(bhttp::field::content_type, file.content_type);
        // Always asked again, so that an upgraded server is never shown
        // with an old page; the files are small.
        res.set(bhttp::field::cache_control, "no-cache");
        res.set("X-Content-Type-Options", "nosniff");
        res.set("Content-Security-Policy",
                "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'");
        res.set("Referrer-Policy", "no-referrer");
        res.set(bhttp::field::vary, "Accept-Encoding");
        if (!file.gzipped.empty()
            && accepts_gzip(std::string{req[bhttp::field::accept_encoding]})) {
          res.set(bhttp::field::content_encoding, "gzip");
          res.body() = file.gzipped;
        } else {
          res.body() = std::string{file.body};
        }
        return answered(file.route, std::move(res));
      }
  auto waits = req.method() == bhttp::verb::get && where->names_one_of("jobs")
               && where->param("wait_ms").value_or("0") != "0";
  return triage{std::nullopt, waits};
}

namespace {

/// One route: where it matches, and the handler that serves it.
struct route_entry {
  bhttp::verb method;
  const char* name;
  bool (*matches)(const target&);
  void (*run)(api::handlers&, const target&);
};

bool is_jobs(const target& t) {
  return t.url.path() == "/v1/jobs";
}

bool is_job(const target& t) {
  return t.names_one_of("jobs");
}

bool is_retry(const target& t) {
  return t.names_one_of("jobs", 1) && t.segments[3] == "retry";
}

bool is_limits(const target& t) {
  return t.url.path() == "/v1/limits";
}

bool is_limit(const target& t) {
  return t.names_one_of("limits");
}

} // namespace

void api::serve(request req, engine_port& engine, answer_fn done) {
  // Every answer is compressed if that pays, and counted under its route.
  struct reply {
    answer_fn done;
    std::string accept_encoding;
    const char* route;
  };
  auto answer_for = [this, &req, &done](const char* route) {
    auto to = std::make_shared<reply>(
      reply{std::move(done), std::string{req[bhttp::field::accept_encoding]}, route});
    return answer_fn{[this, to](response res) {
      compress_if_worth_it(to->accept_encoding, res, config_.compress_min_bytes);
      requests_.count(to->route, res.result_int());
      to->done(std::move(res));
    }};
  };
  auto where = request_target::parse(req);
  if (!where)
    return answer_for("unrouted")(
      error_answer({400, "bad_request", "the request target is not a valid URL"}));
  static const route_entry routes[] = {
    {bhttp::verb::post, "POST /v1/jobs", is_jobs,
     [](handlers& h, const target&) { h.submit_job(); }},
    {bhttp::verb::get, "GET /v1/jobs", is_jobs, [](handlers& h, const target&) { h.list_jobs(); }},
    {bhttp::verb::get, "GET /v1/jobs/{id}", is_job,
     [](handlers& h, const target& t) { h.get_job(t.segments[2]); }},
    {bhttp::verb::delete_, "DELETE /v1/jobs/{id}", is_job,
     [](handlers& h, const target& t) { h.cancel_job(t.segments[2]); }},
    {bhttp::verb::post, "POST /v1/jobs/{id}/retry", is_retry,
     [](handlers& h, const target& t) { h.retry_job(t.segments[2]); }},
    {bhttp::verb::put, "PUT /v1/limits/{group}", is_limit,
     [](handlers& h, const target& t) { h.put_limit(t.segments[2]); }},
    {bhttp::verb::get, "GET /v1/limits/{group}", is_limit,
     [](handlers& h, const target& t) { h.get_limit(t.segments[2]); }},
    {bhttp::verb::delete_, "DELETE /v1/limits/{group}", is_limit,
     [](handlers& h, const target& t) { h.delete_limit(t.segments[2]); }},
    {bhttp::verb::get, "GET /v1/limits", is_limits,
     [](handlers& h, const target&) { h.list_limits(); }},
    {bhttp::verb::get, "GET /v1/stats", [](const target& t) { return t.url.path() == "/v1/stats"; },
     [](handlers& h, const target&) { h.get_stats(); }},
    {bhttp::verb::get, "GET /v1/workers",
     [](const target& t) { return t.url.path() == "/v1/workers"; },
     [](handlers& h, const target&) { h.get_workers(); }},
    {bhttp::verb::get, "GET /metrics", [](const target& t) { return t.url.path() == "/metrics"; },
     [](handlers& h, const target&) { h.metrics(); }},
    {bhttp::verb::get, "GET /readyz", [](const target& t) { return t.url.path() == "/readyz"; },
     [](handlers& h, const target&) { h.readyz(); }},
  };
  auto method = req.method();
  auto entry = std::find_if(std::begin(routes), std::end(routes), [&](const route_entry& e) {
    return e.method == method && e.matches(*where);
  });
  if (entry == std::end(routes))
    return answer_for("unrouted")(error_answer(no_such_route));
  auto finish = answer_for(entry->name);
  // Every route but the readiness check needs the token, if one is set.
  if (std::string_view{entry->name} != "GET /readyz" && !config_.token.empty()) {
    auto expected = "Bearer " + config_.token;
    auto given = req[bhttp::field::authorization];
    if (given.size() != expected.size()
        || CRYPTO_memcmp(given.data(), expected.data(), given.size()) != 0)
      return finish(error_answer({401, "unauthorized", "a valid bearer token is required"}));
  }
  if (is_job_path(*where) && !may_be_job_id(where->segments[2]))
    return finish(error_answer(no_such_job));
  handlers h{*this, engine, *where, req, std::move(finish)};
  entry->run(h, *where);
}

std::string api::refusal_body(int status) const {
  switch (status) {
    case 408:
      return api_error{408, "request_timeout",
                       "the request did not arrive within "
                         + std::to_string(config_.request_timeout.count()) + " ms"}
        .body();
    case 413:
      return api_error{413, "payload_too_large",
                       "the body exceeds " + std::to_string(config_.max_body) + " bytes"}
        .body();
    case 431:
      return api_error{431, "headers_too_large", "the request headers are too large"}.body();
    case 503:
      return api_error{503, "too_many_connections",
                       "the server holds its maximum of " + std::to_string(config_.max_connections)
                         + " connections"}
        .body();
    default:
      return api_error{status, "bad_request", "the request was not understood"}.body();
  }
}

} // namespace troupe::http::detail
