// A group's limit as JSON: every field within its rule, nothing unknown.
#include <troupe/limits.hpp>

#include <catch2/catch.hpp>

using namespace troupe;

TEST_CASE("a limit reads back as it was written") {
  group_limit limit;
  limit.concurrency = 2;
  limit.rate = 50;
  limit.per_ms = 1000;
  limit.burst = 5;
  limit.weight = 3;
  nlohmann::json j = limit;
  CHECK(j.get<group_limit>() == limit);
  CHECK(nlohmann::json(group_limit{})["concurrency"].is_null());
}

TEST_CASE("a limit outside its rules is refused with the field named") {
  for (auto [body, field] :
       {std::pair{R"({"rate":0})", "rate"}, std::pair{R"({"weight":0})", "weight"},
        std::pair{R"({"weight":1001})", "weight"}, std::pair{R"({"per_ms":-1})", "per_ms"},
        std::pair{R"({"concurrency":1.5})", "concurrency"}, std::pair{R"({"burst":"5"})", "burst"},
        std::pair{R"({"speed":1})", "speed"}}) {
    INFO(body);
    try {
      nlohmann::json::parse(body).get<group_limit>();
      FAIL("accepted");
    } catch (const std::invalid_argument& e) {
      CHECK_THAT(e.what(), Catch::Contains(field));
    }
  }
}

TEST_CASE("a concurrency of zero pauses a group and is allowed") {
  auto limit = nlohmann::json::parse(R"({"concurrency":0})").get<group_limit>();
  REQUIRE(limit.concurrency);
  CHECK(*limit.concurrency == 0);
  CHECK(nlohmann::json(limit).get<group_limit>() == limit);
}
