// docs/openapi.yaml as the tests' oracle: every answer a test receives is
// checked against the document (its operation must be documented, its status
// listed, its body valid against the schema), so the server and the document
// cannot drift apart.
//
// The document is read with a real YAML parser (yaml-cpp); the schema checks
// cover the parts of OpenAPI 3.0 the document uses: $ref, allOf, type, nullable,
// enum, required, properties, additionalProperties, items, minimum, maximum,
// maxLength and the date-time and uuid formats.
#pragma once

#include <catch2/catch.hpp>
#include <httplib.h>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include <mutex>
#include <regex>
#include <string>
#include <vector>

namespace troupe::test {

class openapi_contract {
public:
  using json = nlohmann::json;

  /// The contract of this source tree, loaded once.
  static const openapi_contract& instance() {
    static const openapi_contract contract{TROUPE_SOURCE_DIR "/docs/openapi.yaml"};
    return contract;
  }

  explicit openapi_contract(const std::string& path) : doc_(to_json(YAML::LoadFile(path))) {
    for (auto& [templ, item] : doc_.at("paths").items())
      paths_.emplace_back(
        std::regex{"^" + std::regex_replace(templ, std::regex{R"(\{[^}]+\})"}, "[^/]+") + "$"},
        &item);
  }

  /// The parsed document.
  const json& document() const { return doc_; }

  /// Every documented (method, path template) pair.
  std::vector<std::pair<std::string, std::string>> operations() const {
    std::vector<std::pair<std::string, std::string>> ops;
    for (auto& [path, item] : doc_.at("paths").items())
      for (auto& [method, op] : item.items())
        if (method != "parameters")
          ops.emplace_back(method, path);
    return ops;
  }

  /// What is wrong with an answer to `method path` (query allowed); empty
  /// if it conforms.
  std::vector<std::string> check(std::string method, const std::string& target, int status,
                                 const std::string& content_type, const std::string& body) const {
    for (auto& c : method)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto path = target.substr(0, target.find('?'));
    auto where = method + " " + path + " -> " + std::to_string(status);
    const json* op = find_operation(method, path);
    if (op == nullptr && status == 404) {
      // No such route: the answer still has the error shape.
      std::vector<std::string> problems;
      validate(json{{"$ref", "#/components/schemas/Error"}}, json::parse(body, nullptr, false),
               where + " body", problems);
      return problems;
    }
    if (op == nullptr)
      return {where + ": the operation is not documented"};
    auto& responses = op->at("responses");
    auto key = std::to_string(status);
    if (!responses.contains(key))
      return {where + ": the status is not documented"};
    auto& response = resolve(responses.at(key));
    if (!response.contains("content"))
      return {};
    auto media = content_type.substr(0, content_type.find(';'));
    if (!response.at("content").contains(media))
      return {where + ": content type " + content_type + " is not documented"};
    auto& schema = response.at("content").at(media).at("schema");
    if (media != "application/json")
      return {};
    auto value = json::parse(body, nullptr, false);
    if (value.is_discarded())
      return {where + ": the body is not JSON"};
    std::vector<std::string> problems;
    validate(schema, value, where + " body", problems);
    return problems;
  }

private:
  static json to_json(const YAML::Node& node) {
    switch (node.Type()) {
      case YAML::NodeType::Map: {
        auto obj = json::object();
        for (auto& kv : node)
          obj[kv.first.as<std::string>()] = to_json(kv.second);
        return obj;
      }
      case YAML::NodeType::Sequence: {
        auto arr = json::array();
        for (auto& item : node)
          arr.push_back(to_json(item));
        return arr;
      }
      case YAML::NodeType::Scalar: {
        auto text = node.Scalar();
        if (node.Tag() == "!") // quoted: always a string
          return text;
        if (text == "true" || text == "false")
          return text == "true";
        if (text == "null" || text == "~")
          return nullptr;
        static const std::regex integer{R"(-?[0-9]+)"};
        static const std::regex number{R"(-?[0-9]+\.[0-9]+([eE][-+]?[0-9]+)?)"};
        if (std::regex_match(text, integer))
          return std::stoll(text);
        if (std::regex_match(text, number))
          return std::stod(text);
        return text;
      }
      default:
        return nullptr;
    }
  }

  const json* find_operation(const std::string& method, const std::string& path) const {
    for (auto& [pattern, item] : paths_)
      if (item->contains(method) && std::regex_match(path, pattern))
        return &item->at(method);
    return nullptr;
  }

  const json& resolve(const json& node) const {
    if (!node.is_object() || !node.contains("$ref"))
      return node;
    auto ref = node.at("$ref").get<std::string>();
    return resolve(doc_.at(json::json_pointer{ref.substr(1)}));
  }

  static bool has_type(const json& value, const std::string& type) {
    if (type == "object")
      return value.is_object();
    if (type == "array")
      return value.is_array();
    if (type == "string")
      return value.is_string();
    if (type == "integer")
      return value.is_number_integer();
    if (type == "number")
      return value.is_number();
    if (type == "boolean")
      return value.is_boolean();
    return false;
  }

  static bool has_format(const json& value, const std::string& format) {
    static const std::regex date_time{
      R"([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2}))"};
    static const std::regex uuid{R"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"};
    if (format == "date-time")
      return std::regex_match(value.get<std::string>(), date_time);
    if (format == "uuid")
      return std::regex_match(value.get<std::string>(), uuid);
    return true;
  }

  void validate(const json& schema_node, const json& value, const std::string& where,
                std::vector<std::string>& problems) const {
    auto& schema = resolve(schema_node);
    auto fail = [&](const std::string& what) { problems.push_back(where + ": " + what); };
    if (schema.contains("allOf"))
      for (auto& part : schema.at("allOf"))
        validate(part, value, where, problems);
    if (value.is_null()) {
      // No type means any JSON, null included.
      if (schema.contains("type") && !schema.value("nullable", false))
        fail("is null, which the schema does not allow");
      return;
    }
    if (schema.contains("type")) {
      auto type = schema.at("type").get<std::string>();
      if (!has_type(value, type))
        return fail("is " + value.dump() + ", not of type " + type);
    }
    if (schema.contains("enum")
        && std::find(schema.at("enum").begin(), schema.at("enum").end(), value)
             == schema.at("enum").end())
      fail(value.dump() + " is not one of " + schema.at("enum").dump());
    if (value.is_number()) {
      if (schema.contains("minimum") && value.get<double>() < schema.at("minimum").get<double>())
        fail("is below the minimum");
      if (schema.contains("maximum") && value.get<double>() > schema.at("maximum").get<double>())
        fail("is above the maximum");
    }
    if (value.is_string()) {
      if (schema.contains("maxLength")
          && value.get<std::string>().size() > schema.at("maxLength").get<size_t>())
        fail("is longer than maxLength");
      if (schema.contains("format") && !has_format(value, schema.at("format")))
        fail(value.dump() + " is not a " + schema.at("format").get<std::string>());
    }
    if (value.is_array() && schema.contains("items"))
      for (size_t i = 0; i < value.size(); ++i)
        validate(schema.at("items"), value[i], where + "[" + std::to_string(i) + "]", problems);
    if (value.is_object()) {
      if (schema.contains("required"))
        for (auto& name : schema.at("required"))
          if (!value.contains(name.get<std::string>()))
            fail("lacks the required member " + name.get<std::string>());
      static const json no_properties = json::object();
      auto& props = schema.contains("properties") ? schema.at("properties") : no_properties;
      for (auto& [name, member] : value.items()) {
        if (props.contains(name))
          validate(props.at(name), member, where + "." + name, problems);
        else if (schema.contains("additionalProperties")) {
          auto& extra = schema.at("additionalProperties");
          if (extra.is_boolean() && !extra.get<bool>())
            fail("has the undocumented member " + name);
          else if (extra.is_object())
            validate(extra, member, where + "." + name, problems);
        }
      }
    }
  }

  json doc_;
  /// Each path template as a pattern, with its path item.
  std::vector<std::pair<std::regex, const json*>> paths_;
};

/// Collects the contract violations of answers received on any thread, for
/// one test to check at its end.
class contract_log {
public:
  void record(const std::string& method, const std::string& target, int status,
              const std::string& content_type, const std::string& body) {
    auto found = openapi_contract::instance().check(method, target, status, content_type, body);
    std::lock_guard<std::mutex> guard{mtx_};
    ++checked_;
    violations_.insert(violations_.end(), found.begin(), found.end());
  }

  std::vector<std::string> violations() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return violations_;
  }

  size_t checked() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return checked_;
  }

private:
  mutable std::mutex mtx_;
  size_t checked_ = 0;
  std::vector<std::string> violations_;
};

/// Checks every answer `cli` (an httplib client, plain or TLS) receives from
/// now on into `log`.
template <class Client> void check_answers(Client& cli, contract_log& log) {
  cli.set_logger([&log](const httplib::Request& req, const httplib::Response& res) {
    log.record(req.method, req.path, res.status, res.get_header_value("Content-Type"), res.body);
  });
}

/// Requires that the answers checked into `log` conform to the document.
inline void require_conformance(const contract_log& log) {
  auto violations = log.violations();
  std::string listed;
  for (auto& v : violations)
    listed += v + "\n";
  INFO(listed);
  CHECK(violations.empty());
}

} // namespace troupe::test
