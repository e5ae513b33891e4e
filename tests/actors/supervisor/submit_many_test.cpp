// submit_many: many jobs in one message, each accepted or refused on its own.
#include "support/engine_fixture.hpp"

using namespace troupe;
using namespace troupe::test;

TEST_CASE_METHOD(engine_fixture, "submit_many answers every job of the batch in order") {
  start(config());
  job_options keyed;
  keyed.idempotency_key = "once";
  job_options bad;
  bad.priority = 12;
  auto outcomes = submit_many({{"echo", R"({"n":1})", {}},
                               {"no-such-type", "null", {}},
                               {"echo", "null", bad},
                               {"echo", R"({"n":2})", keyed},
                               {"echo", R"({"n":3})", keyed},
                               {"echo", "{not json", {}}});
  REQUIRE(outcomes.size() == 6);
  CHECK_FALSE(outcomes[0].error);
  CHECK(outcomes[0].created);
  CHECK(is_troupe_error(outcomes[1].error, errc::unknown_type));
  CHECK(is_troupe_error(outcomes[2].error, errc::invalid_argument));
  CHECK(outcomes[3].created);
  CHECK_FALSE(outcomes[4].created);
  CHECK(outcomes[4].id == outcomes[3].id);
  CHECK(is_troupe_error(outcomes[5].error, errc::invalid_argument));
  CHECK(finish(outcomes[0].id).result == nlohmann::json{{"n", 1}});
  CHECK(finish(outcomes[3].id).result == nlohmann::json{{"n", 2}});
  CHECK(stats().submitted_total == 2);
}

TEST_CASE_METHOD(engine_fixture, "submit_many refuses jobs beyond the queue's capacity") {
  auto cfg = config();
  cfg.queue_capacity = 3;
  cfg.workers = 1;
  start(cfg);
  auto blocker = occupy_worker();
  std::vector<job_request> jobs(5, job_request{"echo", "null", {}});
  auto outcomes = submit_many(jobs);
  size_t accepted = 0;
  for (auto& o : outcomes)
    accepted += o.error ? 0 : 1;
  CHECK(accepted == 3);
  CHECK(is_troupe_error(outcomes[3].error, errc::queue_full));
  CHECK(is_troupe_error(outcomes[4].error, errc::queue_full));
  release.open();
  finish(blocker);
}
