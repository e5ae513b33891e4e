#include "server_api.hpp"

#include <boost/url/url.hpp>

namespace troupe::app {

std::string api_path(std::initializer_list<std::string> segments, const query& params) {
  boost::urls::url target;
  target.set_path_absolute(true);
  target.segments().push_back("v1");
  for (const auto& segment : segments)
    target.segments().push_back(segment);
  for (const auto& [name, value] : params)
    target.params().append({name, value});
  return std::string{target.buffer()};
}

server_api::server_api(std::string url, const std::string& token, const std::string& cacert)
    : url_(std::move(url)) {
  if (url_.rfind("http://", 0) != 0 && url_.rfind("https://", 0) != 0)
    throw command_error{exit_usage,
                        "--server must be an http:// or https:// URL, not '" + url_ + "'"};
  client_ = std::make_unique<httplib::Client>(url_);
  if (!cacert.empty())
    client_->set_ca_cert_path(cacert.c_str());
  client_->set_connection_timeout(5);
  client_->set_read_timeout(90);
  if (!token.empty())
    headers_.emplace("Authorization", "Bearer " + token);
}

json server_api::check(const httplib::Result& res) {
  if (!res)
    throw command_error{exit_server,
                        "cannot reach " + url_ + ": " + httplib::to_string(res.error())};
  auto body = json::parse(res->body, nullptr, false);
  if (res->status >= 400) {
    auto message = body.is_object() && body.contains("error")
                     ? body["error"].value("code", "") + ": " + body["error"].value("message", "")
                     : res->body;
    throw command_error{exit_server, "HTTP " + std::to_string(res->status) + " " + message};
  }
  if (body.is_discarded())
    throw command_error{exit_server, "the server's answer is not JSON"};
  return body;
}

} // namespace troupe::app
