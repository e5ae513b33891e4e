// Retention: finished jobs leave the store after their TTL, so a server under
// steady load keeps a database of steady size.
#include "support/engine_fixture.hpp"
#include "support/server_process.hpp"

#include <troupe/store.hpp>

#include <filesystem>

using namespace troupe;
using namespace troupe::test;

namespace {

uint64_t size_on_disk(const std::string& path) {
  uint64_t total = 0;
  for (auto suffix : {"", "-wal"}) {
    std::error_code ec;
    auto size = std::filesystem::file_size(path + suffix, ec);
    total += ec ? 0 : size;
  }
  return total;
}

} // namespace

TEST_CASE_METHOD(engine_fixture,
                 "under steady load the database stops growing once results expire") {
  scratch_dir dir;
  auto jobs = open_store(dir.sqlite_store());
  REQUIRE(jobs);
  auto cfg = config();
  cfg.workers = 2;
  cfg.result_ttl = 1s;
  cfg.store = *jobs;
  start(cfg);
  constexpr int rounds = 20;
  constexpr int per_round = 600;
  const auto payload = nlohmann::json{{"text", std::string(200, 'p')}};
  std::vector<uint64_t> sizes;
  for (int round = 0; round < rounds; ++round) {
    std::vector<std::string> ids;
    for (int i = 0; i < per_round; ++i)
      ids.push_back(submit("echo", payload));
    for (auto& id : ids)
      REQUIRE(finish(id).status == job_status::success);
    // Everything but this round is older than the TTL once the clock moves on.
    CHECK(*(*jobs)->count() <= 2 * per_round);
    CHECK(stats().jobs.success == static_cast<size_t>(per_round));
    sizes.push_back(size_on_disk(dir.file("troupe.db")));
    clock->advance(2s);
  }
  INFO("bytes on disk after each round: " << nlohmann::json(sizes).dump());
  // Without the purge each round would add its 600 rows (~250 KB, +5% of the
  // early size): 20 rounds would grow the file by far more than the slack
  // allowed for the WAL's own variation.
  auto early = *std::max_element(sizes.begin(), sizes.begin() + rounds / 4);
  CHECK(sizes.back() <= early + early / 4);
}
