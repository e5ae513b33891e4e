// The idempotency index: a key names its job until the job's result expires.
#include "supervisor/idempotency_index.hpp"

#include <catch2/catch.hpp>

using namespace troupe::detail;

TEST_CASE("a remembered key names its job and an empty key is no key") {
  idempotency_index keys;
  keys.remember("k", {1, 11});
  keys.remember("", {2, 22});
  REQUIRE(keys.find("k") != nullptr);
  CHECK(*keys.find("k") == job_key{1, 11});
  CHECK(keys.find("") == nullptr);
  CHECK(keys.size() == 1);
}

TEST_CASE("a key is forgotten only by the job that holds it") {
  idempotency_index keys;
  keys.remember("k", {1, 11});
  keys.forget("k", 2);
  CHECK(keys.find("k") != nullptr);
  keys.forget("k", 1);
  CHECK(keys.find("k") == nullptr);
}

TEST_CASE("a retained job's key is free once its result expires") {
  idempotency_index keys;
  keys.remember("k", {1, 11});
  keys.retain(1, "k");
  CHECK(keys.find("k") != nullptr);
  keys.expire(1);
  CHECK(keys.find("k") == nullptr);
}

TEST_CASE("an expiry does not take a key a newer job holds") {
  idempotency_index keys;
  keys.remember("k", {1, 11});
  keys.retain(1, "k");
  keys.forget("k", 1);
  keys.remember("k", {5, 55});
  keys.expire(1);
  REQUIRE(keys.find("k") != nullptr);
  CHECK(keys.find("k")->seq == 5);
}

TEST_CASE("a job run again keeps its key past the expiry of its first end") {
  idempotency_index keys;
  keys.remember("k", {1, 11});
  keys.retain(1, "k");
  keys.unretain(1);
  keys.expire(1);
  CHECK(keys.find("k") != nullptr);
}
