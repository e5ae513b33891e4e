#include "server_api.hpp"

#include <boost/url/url.hpp>

#include <sstream>

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

server_api::server_api(const std::string& urls, const std::string& token,
                       const std::string& cacert) {
  std::stringstream list{urls};
  for (std::string url; std::getline(list, url, ',');) {
    if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
      throw command_error{exit_usage,
                          "--server must be an http:// or https:// URL, not '" + url + "'"};
    auto client = std::make_unique<httplib::Client>(url);
    if (!cacert.empty())
      client->set_ca_cert_path(cacert.c_str());
    client->set_connection_timeout(5);
    client->set_read_timeout(90);
    servers_.push_back({url, std::move(client)});
  }
  if (servers_.empty())
    throw command_error{exit_usage, "--server must name at least one URL"};
  if (!token.empty())
    headers_.emplace("Authorization", "Bearer " + token);
}

json server_api::send(const std::function<httplib::Result(httplib::Client&)>& request) {
  for (size_t tried = 1;; ++tried) {
    auto& target = servers_[current_];
    auto res = request(*target.client);
    auto standby = false;
    if (res && res->status == 503) {
      auto body = json::parse(res->body, nullptr, false);
      standby = body.is_object() && body.value("/error/code"_json_pointer, "") == "standby";
    }
    auto unreachable = !res && res.error() == httplib::Error::Connection;
    if (!(standby || unreachable) || tried == servers_.size())
      return check(res, target.url);
    current_ = (current_ + 1) % servers_.size();
  }
}

json server_api::check(const httplib::Result& res, const std::string& url) {
  if (!res)
    throw command_error{exit_server,
                        "cannot reach " + url + ": " + httplib::to_string(res.error())};
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
