// libFuzzer target: recovery from a damaged SQLite file. The bytes are the
// database file (the seed is a real one, which the fuzzer mutates); opening
// it must either fail with a clear error or read rows, never crash, whatever
// the damage. The seed is made by this very binary (TROUPE_FUZZ_SEED=PATH),
// so that it always has the schema of the build under test.
#include "troupe/store.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <unistd.h>

namespace {

/// Writes a database with jobs in every state to `path`.
void write_seed(const std::string& path) {
  std::remove(path.c_str());
  auto store = troupe::open_store("sqlite:" + path);
  if (!store)
    std::abort();
  std::vector<troupe::store_write> writes;
  for (uint64_t seq = 0; seq < 4; ++seq) {
    troupe::stored_job job;
    job.seq = seq;
    job.id = "seed-" + std::to_string(seq);
    job.type = "echo";
    job.payload = R"({"n":)" + std::to_string(seq) + "}";
    job.options.idempotency_key = seq == 0 ? "key" : "";
    writes.push_back(troupe::job_inserted{job});
  }
  writes.push_back(troupe::attempt_started{1, 1, 10, "worker-1"});
  writes.push_back(
    troupe::job_finished{2, troupe::job_status::success, "42", {}, 20, 1, 10, "worker-2"});
  writes.push_back(troupe::retry_scheduled{3, "boom", 30});
  writes.push_back(troupe::cancel_arrived{1});
  if ((*store)->apply(writes))
    std::abort();
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (const char* seed = std::getenv("TROUPE_FUZZ_SEED")) {
    write_seed(seed);
    std::exit(0);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = "/tmp/troupe-fuzz-" + std::to_string(getpid()) + ".db";
  {
    std::ofstream out{path, std::ios::binary | std::ios::trunc};
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  std::remove((path + "-wal").c_str());
  std::remove((path + "-shm").c_str());
  if (auto store = troupe::open_store("sqlite:" + path)) {
    if (auto rows = (*store)->load())
      for (auto& row : *rows)
        (*store)->find(row.id);
    (*store)->count();
  }
  return 0;
}
