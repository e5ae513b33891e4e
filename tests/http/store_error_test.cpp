// A store that refuses a write at run time: the submission is answered 503 in
// the error shape instead of 202, and the server keeps serving.
#include "support/http_fixture.hpp"
#include "support/server_process.hpp"

#include <troupe/store.hpp>

using namespace troupe;
using namespace troupe::test;

TEST_CASE_METHOD(http_fixture,
                 "a submission the store cannot record is answered 503 store_unavailable") {
  scratch_dir dir;
  store_options small;
  small.max_bytes = 256 * 1024;
  auto cfg = default_engine();
  cfg.store = *open_store(dir.sqlite_store(), small);
  start(cfg);
  auto before = submit({{"type", "echo"}, {"payload", {{"n", 1}}}});
  CHECK(finish(before)["status"] == "success");

  auto refused = post_job({{"type", "echo"}, {"payload", std::string(512 * 1024, 'x')}});
  require_error(refused, 503, "store_unavailable");
  CHECK(get_json("/v1/stats")["store"]["healthy"] == false);
  require_error(client().Get("/readyz"), 503, "not_ready");

  CHECK(get_json("/v1/jobs/" + before)["status"] == "success");
  auto after = submit({{"type", "echo"}, {"payload", {{"n", 2}}}});
  CHECK(finish(after)["status"] == "success");
  CHECK(get_json("/v1/stats")["store"]["healthy"] == true);
  CHECK(client().Get("/readyz")->status == 200);
}
