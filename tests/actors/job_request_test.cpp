// Reading a submission strictly: one table of option rules, a payload kept
// byte for byte, and nothing a lenient reader would let through.
#include <troupe/job_request.hpp>

#include <catch2/catch.hpp>

#include <string>

using namespace troupe;

namespace {

using kind = request_problem::kind;

job_request accepted(const std::string& body) {
  auto parsed = parse_job_request(body);
  if (auto* p = std::get_if<request_problem>(&parsed))
    FAIL(p->message);
  return std::get<job_request>(parsed);
}

request_problem refused(const std::string& body) {
  auto parsed = parse_job_request(body);
  REQUIRE(std::holds_alternative<request_problem>(parsed));
  return std::get<request_problem>(parsed);
}

} // namespace

TEST_CASE("every option is read within its rule") {
  auto req = accepted(R"({"type":"echo","priority":9,"max_attempts":100,"timeout_ms":1,)"
                      R"("delay_ms":0,"idempotency_key":"k-1","group":"tenant 42"})");
  CHECK(req.type == "echo");
  CHECK(req.options.priority == 9);
  CHECK(req.options.max_attempts == 100);
  CHECK(req.options.timeout_ms == 1);
  CHECK(req.options.delay_ms == 0);
  CHECK(req.options.idempotency_key == "k-1");
  CHECK(req.options.group == "tenant 42");
  CHECK(req.payload == "null");
}

TEST_CASE("a payload is kept byte for byte, whitespace and number forms included") {
  auto req = accepted(R"({ "payload" : {"b" : [1, 2.50, "x\u00e9", 1E5, -0.0]} , "type":"echo" })");
  CHECK(req.payload == R"({"b" : [1, 2.50, "x\u00e9", 1E5, -0.0]})");
  CHECK(accepted(R"({"type":"echo","payload":12})").payload == "12");
  CHECK(accepted(R"({"type":"echo","payload":123456789012345678})").payload
        == "123456789012345678");
  CHECK(accepted(R"({"type":"echo","payload":"s"})").payload == R"("s")");
  CHECK(accepted(R"({"type":"echo","payload":[true,null]})").payload == "[true,null]");
  CHECK(accepted(R"({"type":"echo","payload":0.1})").payload == "0.1");
}

TEST_CASE("a number a double cannot keep is refused, naming the payload") {
  for (auto number : {"18446744073709551617", "0.30000000000000000000000000001", "1e-400",
                      "123456789012345678901234567890"}) {
    INFO(number);
    auto p = refused(std::string{R"({"type":"echo","payload":{"n":[)"} + number + "]}}");
    CHECK(p.what == kind::invalid_field);
    CHECK(p.field == "payload");
    CHECK_THAT(p.message, Catch::Contains("cannot be kept exactly"));
  }
}

TEST_CASE("anything after the one JSON document is refused, a NUL included") {
  auto nul = std::string(1, '\0');
  for (auto body : {R"({"type":"echo"})" + nul + "garbage", std::string{R"({"type":"echo"} {})"},
                    std::string{R"({"type":"echo"}x)"}, nul, std::string{}}) {
    INFO(body);
    CHECK(refused(body).what == kind::invalid_json);
  }
}

TEST_CASE("a key given twice is refused, at any depth") {
  CHECK(refused(R"({"type":"echo","type":"fail"})").what == kind::invalid_json);
  auto nested = refused(R"({"type":"echo","payload":{"a":{"b":1,"b":2}}})");
  CHECK(nested.what == kind::invalid_json);
  CHECK_THAT(nested.message, Catch::Contains("'b' appears twice"));
}

TEST_CASE("options beyond their rules are refused with the field named") {
  struct bad_case {
    const char* field;
    const char* value;
  };
  for (auto c :
       {bad_case{"delay_ms", "9000000000000000000"}, bad_case{"delay_ms", "9223372036854775807"},
        bad_case{"delay_ms", "-1"}, bad_case{"timeout_ms", "9223372036854775807"},
        bad_case{"timeout_ms", "0"}, bad_case{"priority", "1.5"}, bad_case{"priority", "\"1\""},
        bad_case{"priority", "10"}, bad_case{"max_attempts", "18446744073709551616"},
        bad_case{"max_attempts", "1e2"}, bad_case{"idempotency_key", "7"}, bad_case{"group", "7"},
        bad_case{"group", "\"\""}, bad_case{"group", "\"a\\tb\""},
        bad_case{"group", "\"caf\u00e9\""}, bad_case{"group", "null"}}) {
    INFO(c.field << " = " << c.value);
    auto p = refused(std::string{R"({"type":"echo",")"} + c.field + "\":" + c.value + "}");
    CHECK(p.what == kind::invalid_field);
    CHECK(p.field == c.field);
    CHECK_THAT(p.message, Catch::Contains(c.field));
  }
}

TEST_CASE("the longest delay and timeout are a hundred years") {
  auto years = std::to_string(max_duration_ms);
  auto req = accepted(R"({"type":"echo","delay_ms":)" + years + R"(,"timeout_ms":)" + years + "}");
  CHECK(req.options.delay_ms == max_duration_ms);
  CHECK(refused(R"({"type":"echo","delay_ms":)" + std::to_string(max_duration_ms + 1) + "}").field
        == "delay_ms");
}

TEST_CASE("a body that is not an object, or lacks a type, is refused") {
  CHECK(refused("[1,2]").what == kind::invalid_json);
  CHECK(refused(R"({"payload":1})").field == "type");
  CHECK(refused(R"({"type":""})").field == "type");
  CHECK(refused(R"({"type":"echo","colour":"red"})").field == "colour");
}

TEST_CASE("nesting beyond the limit is refused before it is built") {
  auto deep = R"({"type":"echo","payload":)" + std::string(70, '[') + std::string(70, ']') + "}";
  CHECK(refused(deep).what == kind::invalid_json);
  CHECK(std::holds_alternative<job_request>(parse_job_request(deep, 100)));
}

TEST_CASE("strings that are not UTF-8 are refused") {
  CHECK(refused("{\"type\":\"ec\xff\"}").what == kind::invalid_json);
}

TEST_CASE("a payload given as text is checked by the same rules") {
  CHECK_FALSE(json_text_problem(R"({"a":[1,2.5,"x"]})"));
  CHECK(json_text_problem(R"({"a":1,"a":2})"));
  CHECK(json_text_problem("1e-400"));
  CHECK(json_text_problem(std::string{"1\0 2", 4}));
  CHECK(json_text_problem("{not json"));
}

TEST_CASE("options set in code are checked by the same table") {
  job_options o;
  CHECK_FALSE(check_options(o));
  o.delay_ms = max_duration_ms + 1;
  REQUIRE(check_options(o));
  CHECK(check_options(o)->field == "delay_ms");
}

TEST_CASE("a group is 1 to 128 printable ASCII characters") {
  CHECK_FALSE(group_name_problem(std::string(max_group_bytes, 'g')));
  CHECK(group_name_problem(std::string(max_group_bytes + 1, 'g')));
  CHECK(group_name_problem(""));
  CHECK(group_name_problem("a\nb"));
  job_options o;
  o.group = std::string(max_group_bytes + 1, 'g');
  REQUIRE(check_options(o));
  CHECK(check_options(o)->field == "group");
}
