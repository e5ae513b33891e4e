// docs/openapi.yaml is the contract: every path and method it documents must
// be served by the gateway.
#include "support/http_fixture.hpp"

#include <fstream>

using namespace troupe;
using namespace troupe::test;

namespace {

/// (method, path) pairs under `paths:` of the spec, read line by line: paths
/// are indented by two spaces, their methods by four.
std::vector<std::pair<std::string, std::string>> documented_operations() {
  std::ifstream spec{TROUPE_SOURCE_DIR "/docs/openapi.yaml"};
  REQUIRE(spec);
  std::vector<std::pair<std::string, std::string>> ops;
  std::string line, path;
  bool in_paths = false;
  while (std::getline(spec, line)) {
    if (line == "paths:") {
      in_paths = true;
    } else if (in_paths && !line.empty() && line[0] != ' ') {
      break;
    } else if (in_paths && line.rfind("  /", 0) == 0) {
      path = line.substr(2, line.find(':') - 2);
    } else if (in_paths && line.size() > 4 && line.rfind("    ", 0) == 0 && line[4] != ' ') {
      auto method = line.substr(4, line.find(':') - 4);
      if (method == "get" || method == "post" || method == "delete")
        ops.emplace_back(method, path);
    }
  }
  return ops;
}

} // namespace

TEST_CASE_METHOD(http_fixture, "every operation in docs/openapi.yaml is served") {
  start();
  auto ops = documented_operations();
  CHECK(ops.size() == 8);
  for (auto& [method, path] : ops) {
    auto concrete = path;
    auto param = concrete.find("{id}");
    if (param != std::string::npos)
      concrete.replace(param, 4, submit({{"type", "echo"}}));
    INFO(method << " " << concrete);
    auto cli = client();
    auto res = method == "get" ? cli.Get(concrete.c_str())
               : method == "post"
                 ? cli.Post(concrete.c_str(), R"({"type":"echo"})", "application/json")
                 : cli.Delete(concrete.c_str());
    REQUIRE(res);
    CHECK_FALSE(res->body.find("no such route") != std::string::npos);
    CHECK(res->status < 500);
  }
}
