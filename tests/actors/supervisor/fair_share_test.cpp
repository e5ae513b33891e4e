// Fair share between groups: within one priority, groups take turns, so one
// group's backlog delays another group's job by at most a turn.
#include "support/engine_fixture.hpp"

#include <algorithm>

using namespace troupe;
using namespace troupe::test;

namespace {

std::string submit_record(engine_fixture& f, const std::string& label, const std::string& group) {
  job_options opts;
  opts.group = group;
  return f.submit("record", {{"label", label}}, opts);
}

/// Waits for every job of `ids` to end; returns the labels in the order the
/// jobs ran.
std::vector<std::string> run_order(engine_fixture& f, const std::vector<std::string>& ids) {
  for (auto& id : ids)
    f.finish(id);
  return f.recorded_labels();
}

/// Starts an engine with `prefetch`, holds its one worker, queues 20 jobs of
/// group "a" and then one of group "b" of `b_type` ("record" or
/// "record_other"), lets them all run, and returns how many ran before b's.
std::ptrdiff_t place_of_newcomer(engine_fixture& f, size_t prefetch, const std::string& b_type) {
  auto cfg = f.config();
  cfg.prefetch = prefetch;
  f.start(cfg);
  auto blocker = f.occupy_worker();
  std::vector<std::string> ids;
  for (int i = 0; i < 20; ++i)
    ids.push_back(submit_record(f, "a-" + std::to_string(i), "a"));
  job_options in_b;
  in_b.group = "b";
  ids.push_back(f.submit(b_type, {{"label", "b-0"}}, in_b));
  // The worker answers the withdrawal that made room for b before it runs
  // what it holds: else a slow worker actor (ThreadSanitizer, a loaded
  // machine) could let its runner go through all of them first.
  f.stats_until([](const engine_stats& s) { return s.queue.withdrawing == 0; });
  f.release.open();
  f.finish(blocker);
  auto labels = run_order(f, ids);
  auto b = std::find(labels.begin(), labels.end(), "b-0");
  REQUIRE(b != labels.end());
  return b - labels.begin();
}

} // namespace

TEST_CASE_METHOD(engine_fixture,
                 "a group's job submitted behind another group's backlog starts within a turn") {
  CHECK(place_of_newcomer(*this, 0, "record") <= 1);
}

TEST_CASE_METHOD(engine_fixture, "groups of one priority alternate, each in its own order") {
  auto cfg = config();
  cfg.prefetch = 0;
  start(cfg);
  auto blocker = occupy_worker();
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i)
    ids.push_back(submit_record(*this, "a-" + std::to_string(i), "a"));
  for (int i = 0; i < 3; ++i)
    ids.push_back(submit_record(*this, "b-" + std::to_string(i), "b"));
  release.open();
  finish(blocker);
  CHECK(run_order(*this, ids)
        == std::vector<std::string>{"a-0", "b-0", "a-1", "b-1", "a-2", "b-2"});
}

TEST_CASE_METHOD(engine_fixture,
                 "with prefetch, a group's job behind another group's queued jobs starts second") {
  // The worker holds 8 of a's jobs behind the blocker when b's arrives.
  CHECK(place_of_newcomer(*this, 8, "record") <= 1);
}

TEST_CASE_METHOD(engine_fixture,
                 "a group's job of another type does not wait for a group's backlog") {
  CHECK(place_of_newcomer(*this, 0, "record_other") <= 1);
}
