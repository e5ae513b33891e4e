// Job ids: unguessable, UUID-shaped, and carrying their submission sequence.
#include "job_id.hpp"

#include <catch2/catch.hpp>

#include <regex>
#include <set>

using namespace troupe::detail;

TEST_CASE("a job id round-trips its sequence and tag") {
  tag_source tags;
  for (uint64_t seq : {uint64_t{0}, uint64_t{1}, uint64_t{41}, (uint64_t{1} << 62) - 1}) {
    job_key key{seq, tags.next()};
    auto parsed = parse_job_id(format_job_id(key));
    REQUIRE(parsed);
    CHECK(*parsed == key);
  }
}

TEST_CASE("a job id has the shape of a version 4 UUID") {
  tag_source tags;
  std::regex uuid_v4{"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"};
  for (uint64_t seq = 0; seq < 100; ++seq)
    CHECK(std::regex_match(format_job_id({seq, tags.next()}), uuid_v4));
}

TEST_CASE("tags differ from one job to the next") {
  tag_source tags;
  std::set<uint64_t> seen;
  for (int i = 0; i < 5000; ++i)
    seen.insert(tags.next());
  CHECK(seen.size() == 5000);
}

TEST_CASE("text that is not a job id parses to nothing") {
  tag_source tags;
  auto id = format_job_id({7, tags.next()});
  CHECK_FALSE(parse_job_id(""));
  CHECK_FALSE(parse_job_id("first"));
  CHECK_FALSE(parse_job_id(id.substr(1)));
  CHECK_FALSE(parse_job_id(id + "0"));
  auto upper = id;
  upper[0] = 'G';
  CHECK_FALSE(parse_job_id(upper));
  auto no_dash = id;
  no_dash[8] = '0';
  CHECK_FALSE(parse_job_id(no_dash));
  auto wrong_version = id;
  wrong_version[14] = '1';
  CHECK_FALSE(parse_job_id(wrong_version));
}
