// Priorities stay honest at any prefetch: jobs a worker holds in advance give
// way to higher-priority jobs that become ready meanwhile, and a worker that
// runs dry takes what waits behind another worker's long job.
#include "support/engine_fixture.hpp"

using namespace troupe;
using namespace troupe::test;

namespace {

/// Submits a `record` job that records `label`.
std::string submit_record(engine_fixture& f, const std::string& label, int32_t priority) {
  job_options opts;
  opts.priority = priority;
  return f.submit("record", {{"label", label}}, opts);
}

} // namespace

TEST_CASE_METHOD(engine_fixture,
                 "a higher-priority job submitted later starts before jobs a busy worker holds") {
  auto cfg = config();
  cfg.prefetch = GENERATE(4, 8);
  start(cfg);
  auto blocker = occupy_worker();
  for (auto label : {"low-1", "low-2", "low-3", "low-4", "low-5"})
    submit_record(*this, label, 1);
  for (auto label : {"high-1", "high-2", "high-3", "high-4", "high-5"})
    submit_record(*this, label, 9);
  // Whatever the worker was asked to give back, it answered for.
  stats_until([](const engine_stats& s) { return s.queue.withdrawing == 0; });
  release.open();
  finish(blocker);
  stats_until([](const engine_stats& s) { return s.jobs.success == 11; });
  CHECK(recorded_labels()
        == std::vector<std::string>{"high-1", "high-2", "high-3", "high-4", "high-5", "low-1",
                                    "low-2", "low-3", "low-4", "low-5"});
}

TEST_CASE_METHOD(engine_fixture, "jobs held in advance keep FIFO order within one priority") {
  auto cfg = config();
  cfg.prefetch = 8;
  start(cfg);
  auto blocker = occupy_worker();
  std::vector<std::string> labels;
  for (int i = 0; i < 12; ++i)
    labels.push_back("job-" + std::to_string(i));
  for (auto& label : labels)
    submit_record(*this, label, 5);
  release.open();
  finish(blocker);
  stats_until([](const engine_stats& s) { return s.jobs.success == 13; });
  CHECK(recorded_labels() == labels);
}

TEST_CASE_METHOD(engine_fixture,
                 "a worker that runs dry takes a job held behind another worker's long job") {
  auto cfg = config();
  cfg.workers = 2;
  cfg.prefetch = 1;
  start(cfg);
  auto blocker = occupy_worker();
  // The second worker sleeps; the next job is held behind the blocked one
  // (both workers carry one job; the first slot wins the tie).
  submit("sleep", {{"ms", 200}});
  auto held = submit_record(*this, "held", 5);
  CHECK(finish(held).status == job_status::success);
  CHECK(status(blocker).status == job_status::running);
  release.open();
  CHECK(finish(blocker).status == job_status::success);
}

TEST_CASE_METHOD(engine_fixture, "a backlog far beyond the workers drains in priority order") {
  auto cfg = config();
  cfg.prefetch = 16;
  cfg.queue_capacity = 30000;
  start(cfg);
  auto blocker = occupy_worker();
  std::vector<job_request> batch;
  std::vector<std::string> expected[3];
  const int32_t priorities[3] = {9, 5, 0};
  for (int i = 0; i < 15000; ++i) {
    auto band = i % 3;
    auto label = std::to_string(i);
    job_options opts;
    opts.priority = priorities[band];
    batch.push_back({"record", nlohmann::json{{"label", label}}.dump(), opts});
    expected[band].push_back(label);
  }
  auto outcomes = submit_many(batch);
  REQUIRE(outcomes.size() == batch.size());
  for (auto& o : outcomes)
    REQUIRE_FALSE(o.error);
  CHECK(stats().jobs.pending == 15000);
  release.open();
  finish(blocker);
  stats_until([](const engine_stats& s) { return s.jobs.success == 15001; });
  std::vector<std::string> order;
  for (auto& band : expected)
    order.insert(order.end(), band.begin(), band.end());
  CHECK(recorded_labels() == order);
}
