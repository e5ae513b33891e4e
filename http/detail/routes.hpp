// The routes of API v1: each turns an HTTP request into protocol messages.
#pragma once

#include "detail/intake.hpp"
#include "detail/listener.hpp"
#include "detail/metrics.hpp"
#include "troupe/http/gateway.hpp"

#include <httplib.h>

#include <memory>

namespace troupe::http::detail {

/// What the route handlers share.
struct api_context {
  api_context(std::shared_ptr<intake> engine, gateway_config config)
      : engine(std::move(engine)), config(std::move(config)) {}

  std::shared_ptr<intake> engine;
  std::shared_ptr<connection_counters> connections = std::make_shared<connection_counters>();
  gateway_config config;
  request_counter requests;
};

/// Registers every route, the auth check and the JSON error answers.
void install_routes(httplib::Server& server, std::shared_ptr<api_context> ctx);

/// The body of an error the listener answers on its own (see listener.hpp).
std::string refusal_body_for(int status, const gateway_config& config);

} // namespace troupe::http::detail
