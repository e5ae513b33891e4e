#include "detail/routes.hpp"

#include "detail/compression.hpp"
#include "detail/dashboard.hpp"
#include "detail/job_request.hpp"
#include "troupe/protocol.hpp"

#include <openssl/crypto.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <string_view>

namespace troupe::http::detail {

namespace {

using json = nlohmann::json;
using ctx_ptr = std::shared_ptr<api_context>;

constexpr int64_t max_wait_ms = 60000;
constexpr int64_t max_list_limit = 1000;

void answer(httplib::Response& res, int status, const std::string& body) {
  res.status = status;
  res.set_content(body, json_content_type);
}

void answer(httplib::Response& res, const api_error& err) {
  answer(res, err.status, err.body());
  if (err.status == 429)
    res.set_header("Retry-After", "1");
}

bool authorized(const api_context& ctx, const httplib::Request& req) {
  if (ctx.config.token.empty())
    return true;
  auto expected = "Bearer " + ctx.config.token;
  auto given = req.get_header_value("Authorization");
  return given.size() == expected.size()
         && CRYPTO_memcmp(given.data(), expected.data(), given.size()) == 0;
}

/// Parses a query parameter as an integer in [low, high].
std::optional<api_error> int_param(const httplib::Request& req, const char* name, int64_t low,
                                   int64_t high, int64_t& out) {
  if (!req.has_param(name))
    return std::nullopt;
  auto text = req.get_param_value(name);
  auto bad = api_error{400, "invalid_field",
                       std::string{name} + " must be an integer from " + std::to_string(low)
                         + " to " + std::to_string(high)};
  try {
    size_t used = 0;
    auto value = std::stoll(text, &used);
    if (used != text.size() || value < low || value > high)
      return bad;
    out = value;
    return std::nullopt;
  } catch (const std::exception&) {
    return bad;
  }
}

/// Asks the engine a question whose answer is one JSON text.
caf::expected<std::string> ask(api_context& ctx, std::chrono::milliseconds timeout,
                               caf::message question) {
  return ctx.engine->query(std::move(question), timeout);
}

/// Answers with the engine's JSON, or with its refusal.
void answer_from(httplib::Response& res, int status, const caf::expected<std::string>& reply) {
  if (!reply)
    return answer(res, from_engine_error(reply.error()));
  answer(res, status, *reply);
}

// -- handlers --

void submit_job(api_context& ctx, const httplib::Request& req, httplib::Response& res) {
  auto parsed = parse_job_request(req.body, ctx.config.max_json_depth);
  if (auto* err = std::get_if<api_error>(&parsed))
    return answer(res, *err);
  auto& req_job = std::get<job_request>(parsed);
  auto outcome = ctx.engine->submit(std::move(req_job), ctx.config.engine_timeout);
  if (outcome && outcome->error)
    outcome = std::move(outcome->error);
  if (!outcome)
    return answer(res, from_engine_error(outcome.error()));
  res.set_header("Location", "/v1/jobs/" + outcome->id);
  auto status = outcome->created ? 202 : 200;
  if (!outcome->job.empty())
    return answer(res, status, outcome->job);
  // A repeated key naming a job that only the store still holds.
  answer_from(res, status,
              ask(ctx, ctx.config.engine_timeout,
                  caf::make_message(status_atom::value, std::move(outcome->id))));
}

void get_job(api_context& ctx, const httplib::Request& req, httplib::Response& res) {
  auto id = req.matches[1].str();
  int64_t wait_ms = 0;
  if (auto err = int_param(req, "wait_ms", 0, max_wait_ms, wait_ms))
    return answer(res, *err);
  if (wait_ms == 0)
    return answer_from(
      res, 200,
      ask(ctx, ctx.config.engine_timeout, caf::make_message(status_atom::value, std::move(id))));
  answer_from(res, 200,
              ask(ctx, ctx.config.engine_timeout + std::chrono::milliseconds{wait_ms},
                  caf::make_message(wait_atom::value, std::move(id), wait_ms)));
}

void cancel_job(api_context& ctx, const httplib::Request& req, httplib::Response& res) {
  answer_from(res, 202,
              ask(ctx, ctx.config.engine_timeout,
                  caf::make_message(cancel_atom::value, req.matches[1].str())));
}

void retry_job(api_context& ctx, const httplib::Request& req, httplib::Response& res) {
  answer_from(res, 202,
              ask(ctx, ctx.config.engine_timeout,
                  caf::make_message(retry_atom::value, req.matches[1].str())));
}

void list_jobs(api_context& ctx, const httplib::Request& req, httplib::Response& res) {
  int64_t limit = 100;
  if (auto err = int_param(req, "limit", 1, max_list_limit, limit))
    return answer(res, *err);
  auto status = req.get_param_value("status");
  if (!status.empty() && !parse_job_status(status))
    return answer(res, api_error{400, "invalid_field",
                                 "status must be one of pending, running, success, "
                                 "failed, cancelled"});
  auto jobs = ask(ctx, ctx.config.engine_timeout,
                  caf::make_message(list_atom::value, status, req.get_param_value("type"), limit,
                                    req.get_param_value("before")));
  if (!jobs)
    return answer(res, from_engine_error(jobs.error()));
  answer(res, 200, R"({"jobs":)" + *jobs + "}");
}

caf::expected<json> engine_stats(api_context& ctx) {
  auto stats = ask(ctx, ctx.config.engine_timeout, caf::make_message(stats_atom::value));
  if (!stats)
    return stats.error();
  return json::parse(*stats);
}

void get_stats(api_context& ctx, const httplib::Request&, httplib::Response& res) {
  answer_from(res, 200, ask(ctx, ctx.config.engine_timeout, caf::make_message(stats_atom::value)));
}

void get_workers(api_context& ctx, const httplib::Request&, httplib::Response& res) {
  answer_from(res, 200,
              ask(ctx, ctx.config.engine_timeout, caf::make_message(workers_atom::value)));
}

void readyz(api_context& ctx, const httplib::Request&, httplib::Response& res) {
  auto stats = engine_stats(ctx);
  if (!stats)
    return answer(res, from_engine_error(stats.error()));
  if (!stats->at("accepting").get<bool>())
    return answer(res, api_error{503, "not_ready", "the engine is shutting down"});
  if (!stats->at("healthy").get<bool>())
    return answer(res,
                  api_error{503, "not_ready", "worker restarts exceeded their limit (escalated)"});
  if (!stats->at("store").at("healthy").get<bool>())
    return answer(res, api_error{503, "not_ready",
                                 "the job store refuses writes: "
                                   + stats->at("store").at("error").get<std::string>()});
  answer(res, 200, R"({"status":"ready"})");
}

void metrics(api_context& ctx, const httplib::Request&, httplib::Response& res) {
  auto stats = engine_stats(ctx);
  if (!stats)
    return answer(res, from_engine_error(stats.error()));
  res.status = 200;
  res.set_content(render_metrics(*stats, ctx.requests, *ctx.connections),
                  "text/plain; version=0.0.4");
}

/// A file of the dashboard. It holds no data (the page asks the API for it,
/// with the user's token), so it is served without one.
void dashboard_file(api_context&, const httplib::Request& req, httplib::Response& res) {
  auto& files = dashboard_files();
  auto file = std::find_if(files.begin(), files.end(),
                           [&](const embedded_file& f) { return f.url == req.path; });
  if (file == files.end())
    return answer(res, api_error{404, "not_found", "no such route"});
  auto ends_with = [&](std::string_view suffix) {
    return file->url.size() >= suffix.size()
           && file->url.substr(file->url.size() - suffix.size()) == suffix;
  };
  auto type = ends_with(".js")    ? "text/javascript; charset=utf-8"
              : ends_with(".css") ? "text/css; charset=utf-8"
                                  : "text/html; charset=utf-8";
  res.status = 200;
  res.set_content(std::string{file->body}, type);
  // Always asked again, so that an upgraded server is never shown with an
  // old page; the files are small.
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Content-Security-Policy",
                 "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'");
  res.set_header("Referrer-Policy", "no-referrer");
}

// -- registration --

using route_fn = void (*)(api_context&, const httplib::Request&, httplib::Response&);

/// Wraps a handler with the auth check, exception safety, compression and
/// request counts.
httplib::Server::Handler wrap(ctx_ptr ctx, std::string route, bool protect, route_fn fn) {
  return [ctx, route = std::move(route), protect, fn](const httplib::Request& req,
                                                      httplib::Response& res) {
    if (protect && !authorized(*ctx, req)) {
      answer(res, api_error{401, "unauthorized", "a valid bearer token is required"});
      res.set_header("WWW-Authenticate", "Bearer");
    } else {
      try {
        fn(*ctx, req, res);
      } catch (const std::exception& e) {
        answer(res, api_error{500, "internal", e.what()});
      }
    }
    compress_if_worth_it(req, res, ctx->config.compress_min_bytes);
    ctx->requests.count(route, res.status);
  };
}

} // namespace

void install_routes(httplib::Server& server, ctx_ptr ctx) {
  constexpr auto job_path = R"(/v1/jobs/([^/]+))";
  server.Post("/v1/jobs", wrap(ctx, "POST /v1/jobs", true, submit_job));
  server.Get("/v1/jobs", wrap(ctx, "GET /v1/jobs", true, list_jobs));
  server.Get(job_path, wrap(ctx, "GET /v1/jobs/{id}", true, get_job));
  server.Delete(job_path, wrap(ctx, "DELETE /v1/jobs/{id}", true, cancel_job));
  server.Post(R"(/v1/jobs/([^/]+)/retry)", wrap(ctx, "POST /v1/jobs/{id}/retry", true, retry_job));
  server.Get("/v1/stats", wrap(ctx, "GET /v1/stats", true, get_stats));
  server.Get("/v1/workers", wrap(ctx, "GET /v1/workers", true, get_workers));
  server.Get("/metrics", wrap(ctx, "GET /metrics", true, metrics));
  for (auto& file : dashboard_files()) {
    auto url = std::string{file.url};
    server.Get(url, wrap(ctx, "GET " + url, false, dashboard_file));
  }
  server.Get("/readyz", wrap(ctx, "GET /readyz", false, readyz));
  server.Get("/healthz", wrap(ctx, "GET /healthz", false,
                              [](api_context&, const httplib::Request&, httplib::Response& res) {
                                answer(res, 200, R"({"status":"ok"})");
                              }));
  // Answers the server gives without a route (unknown path, body too large,
  // malformed request) get the same JSON error shape.
  server.set_error_handler([ctx](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty())
      return;
    switch (res.status) {
      case 404:
        answer(res, api_error{404, "not_found", "no such route"});
        break;
      case 413:
        answer(res,
               api_error{413, "payload_too_large",
                         "the body exceeds " + std::to_string(ctx->config.max_body) + " bytes"});
        break;
      default:
        answer(res, api_error{res.status, "bad_request", "the request was not understood"});
    }
    ctx->requests.count("unrouted", res.status);
  });
}

std::string refusal_body_for(int status, const gateway_config& config) {
  switch (status) {
    case 408:
      return api_error{408, "request_timeout",
                       "the request did not arrive within "
                         + std::to_string(config.request_timeout.count()) + " ms"}
        .body();
    case 413:
      return api_error{413, "payload_too_large",
                       "the body exceeds " + std::to_string(config.max_body) + " bytes"}
        .body();
    case 431:
      return api_error{431, "headers_too_large", "the request headers are too large"}.body();
    case 503:
      return api_error{503, "too_many_connections",
                       "the server holds its maximum of " + std::to_string(config.max_connections)
                         + " connections"}
        .body();
    default:
      return api_error{status, "bad_request", "the request was not understood"}.body();
  }
}

} // namespace troupe::http::detail
