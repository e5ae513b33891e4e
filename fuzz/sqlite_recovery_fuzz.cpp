// libFuzzer target: recovery from a damaged SQLite file. The bytes are the
// database file (the seed corpus holds a real one, which the fuzzer
// mutates); opening it must either fail with a clear error or read rows,
// never crash, whatever the damage.
#include "troupe/store.hpp"

#include <cstdio>
#include <fstream>
#include <string>
#include <unistd.h>

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
