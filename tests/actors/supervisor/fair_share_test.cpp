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

} // namespace

TEST_CASE_METHOD(engine_fixture,
                 "a group's job submitted behind another group's backlog starts within a turn") {
  auto cfg = config();
  cfg.prefetch = 0;
  start(cfg);
  auto blocker = occupy_worker();
  std::vector<std::string> ids;
  for (int i = 0; i < 20; ++i)
    ids.push_back(submit_record(*this, "a-" + std::to_string(i), "a"));
  ids.push_back(submit_record(*this, "b-0", "b"));
  release.open();
  finish(blocker);
  auto labels = run_order(*this, ids);
  auto b = std::find(labels.begin(), labels.end(), "b-0");
  REQUIRE(b != labels.end());
  CHECK(b - labels.begin() <= 1);
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

namespace {

std::string ask(engine_fixture& f, const caf::message& msg) {
  std::string answer;
  caf::scoped_actor self{f.eng->system()};
  self->request(f.eng->supervisor(), std::chrono::seconds{10}, msg)
    .receive([&](std::string& json) { answer = std::move(json); },
             [&](caf::error& err) { FAIL(describe(err)); });
  return answer;
}

} // namespace

TEST_CASE_METHOD(engine_fixture, "a paused group's jobs wait while other groups' jobs run") {
  auto cfg = config();
  cfg.workers = 2;
  start(cfg);
  ask(*this,
      caf::make_message(limit_atom::value, std::string{"a"}, std::string{R"({"concurrency":0})"}));
  job_options in_a;
  in_a.group = "a";
  auto paused = submit("echo", 1, in_a);
  auto other = submit("echo", 2);
  CHECK(finish(other).status == job_status::success);
  auto state =
    nlohmann::json::parse(ask(*this, caf::make_message(limit_atom::value, std::string{"a"})));
  CHECK(state["ready"] == 1);
  CHECK(state["throttled"] == true);
  CHECK(status(paused).status == job_status::pending);
  ask(*this,
      caf::make_message(limit_atom::value, std::string{"a"}, std::string{R"({"concurrency":1})"}));
  CHECK(finish(paused).status == job_status::success);
}

TEST_CASE_METHOD(engine_fixture, "a group's concurrency limit holds across the workers") {
  auto cfg = config();
  cfg.workers = 2;
  start(cfg);
  ask(*this,
      caf::make_message(limit_atom::value, std::string{"a"}, std::string{R"({"concurrency":1})"}));
  job_options in_a;
  in_a.group = "a";
  auto first = submit("block", nullptr, in_a);
  REQUIRE(started.wait_for(1));
  auto second = submit("block", nullptr, in_a);
  // The second worker is idle, but the group holds its one slot.
  auto state =
    nlohmann::json::parse(ask(*this, caf::make_message(limit_atom::value, std::string{"a"})));
  CHECK(state["running"] == 1);
  CHECK(state["ready"] == 1);
  CHECK(status(second).status == job_status::pending);
  release.open();
  CHECK(finish(first).status == job_status::success);
  CHECK(finish(second).status == job_status::success);
}
