// Pipelined requests are answered in the order they came, whatever order
// their answers arrive in.
#include "detail/answer_order.hpp"

#include <catch2/catch.hpp>

using namespace troupe::http::detail;

namespace {

response with_body(const std::string& body) {
  response res{bhttp::status::ok, 11};
  res.body() = body;
  return res;
}

} // namespace

TEST_CASE("an answer that arrives early waits for the ones before it") {
  answer_order answers;
  auto first = answers.add(11, true);
  auto second = answers.add(11, true);
  answers.answer(second, with_body("second"));
  CHECK(answers.ready() == nullptr);
  answers.answer(first, with_body("first"));
  REQUIRE(answers.ready() != nullptr);
  CHECK(answers.ready()->answer->body() == "first");
  answers.pop();
  REQUIRE(answers.ready() != nullptr);
  CHECK(answers.ready()->answer->body() == "second");
  answers.pop();
  CHECK(answers.empty());
}

TEST_CASE("a second answer to the same request is ignored") {
  answer_order answers;
  auto only = answers.add(10, false);
  answers.answer(only, with_body("one"));
  answers.answer(only, with_body("two"));
  CHECK(answers.ready()->answer->body() == "one");
  CHECK(answers.ready()->version == 10);
  CHECK_FALSE(answers.ready()->keep_alive);
}

TEST_CASE("a long-poll waiting for its answer is known until it is answered") {
  answer_order answers;
  auto plain = answers.add(11, true);
  auto poll = answers.add(11, true);
  answers.mark_waits(poll);
  answers.answer(plain, with_body("plain"));
  CHECK(answers.long_poll_waiting());
  answers.answer(poll, with_body("done"));
  CHECK_FALSE(answers.long_poll_waiting());
}

TEST_CASE("a refusal the session answers itself comes after the answers before it") {
  answer_order answers;
  auto first = answers.add(11, true);
  answers.add_answered(11, with_body("refused"));
  CHECK(answers.size() == 2);
  CHECK(answers.ready() == nullptr);
  answers.answer(first, with_body("first"));
  answers.pop();
  CHECK(answers.ready()->answer->body() == "refused");
  CHECK_FALSE(answers.ready()->keep_alive);
}
