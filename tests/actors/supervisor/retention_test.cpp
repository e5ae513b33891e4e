// Retention: finished jobs are counted until their expiry, the last few kept
// in full.
#include "supervisor/retention.hpp"

#include <catch2/catch.hpp>

using namespace troupe;
using namespace troupe::detail;
using namespace std::chrono_literals;

namespace {

const auto t0 = clock::time_point{} + 1h;

job_record record(const std::string& id) {
  job_record rec;
  rec.id = id;
  rec.status = job_status::success;
  return rec;
}

} // namespace

TEST_CASE("retained jobs expire in order of expiry") {
  retention kept;
  kept.retain(1, job_status::success, t0 + 10ms);
  kept.retain(2, job_status::failed, t0 + 20ms);
  CHECK(kept.next_expiry() == t0 + 10ms);
  auto gone = kept.expire(t0 + 15ms);
  REQUIRE(gone.size() == 1);
  CHECK(gone[0].seq == 1);
  CHECK(gone[0].status == job_status::success);
  CHECK(kept.size() == 1);
  CHECK(kept.next_expiry() == t0 + 20ms);
}

TEST_CASE("recovered results are sorted by expiry") {
  retention kept;
  kept.retain(1, job_status::success, t0 + 30ms);
  kept.retain(2, job_status::success, t0 + 10ms);
  kept.sort_by_expiry();
  CHECK(kept.next_expiry() == t0 + 10ms);
}

TEST_CASE("a recent record is found by sequence and id until it expires") {
  retention kept{4};
  kept.retain(1, job_status::success, t0 + 10ms, record("a"));
  REQUIRE(kept.recent(1, "a") != nullptr);
  CHECK(kept.recent(1, "b") == nullptr);
  kept.expire(t0 + 10ms);
  CHECK(kept.recent(1, "a") == nullptr);
}

TEST_CASE("a job taken back is no longer retained and says how it had ended") {
  retention kept{4};
  kept.retain(1, job_status::failed, t0 + 10ms, record("a"));
  CHECK(kept.take_back(1) == job_status::failed);
  CHECK(kept.size() == 0);
  CHECK(kept.recent(1, "a") == nullptr);
  CHECK_FALSE(kept.take_back(1));
}
