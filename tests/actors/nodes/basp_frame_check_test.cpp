// The node port's frame rules: only whole, valid BASP frames pass, and a
// peer that breaks a rule is told at once, before its payload arrives.
#include "nodes/basp_frame_check.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace troupe::detail;

namespace {

void put_big_endian(std::string& out, uint64_t value, size_t bytes) {
  for (size_t i = bytes; i-- > 0;)
    out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

/// A BASP frame: its 32-byte header and `payload`.
std::string frame(uint8_t operation, const std::string& payload, uint64_t dest_actor = 0,
                  uint64_t source_actor = 0, uint8_t flags = 0, uint64_t operation_data = 0,
                  std::optional<uint32_t> announced = std::nullopt) {
  std::string out;
  out.push_back(static_cast<char>(operation));
  out.push_back(0);
  out.push_back(0);
  out.push_back(static_cast<char>(flags));
  put_big_endian(out, announced.value_or(static_cast<uint32_t>(payload.size())), 4);
  put_big_endian(out, operation_data, 8);
  put_big_endian(out, source_actor, 8);
  put_big_endian(out, dest_actor, 8);
  return out + payload;
}

const std::string handshake = frame(0x01, "node-id");
const std::string heartbeat = frame(0x06, "");

} // namespace

TEST_CASE("a client handshake with a payload opens the way for messages") {
  basp_frame_check check{1024};
  auto all = handshake + frame(0x02, "hello", 7) + heartbeat;
  auto v = check.scan(all);
  CHECK_FALSE(v.violation);
  CHECK(v.whole == all.size());
  CHECK(v.handshake_payload == "node-id");
  CHECK(check.handshaken());
}

TEST_CASE("the 32-byte frame that crashed CAF is refused") {
  basp_frame_check check{1024};
  auto v = check.scan(std::string(1, '\x01') + std::string(31, '\0'));
  REQUIRE(v.violation);
  CHECK_THAT(*v.violation, Catch::Contains("without a payload"));
  CHECK(v.whole == 0);
}

TEST_CASE("a header announcing more than the maximum is refused before its payload comes") {
  basp_frame_check check{1 << 20};
  auto v = check.scan(frame(0x01, "", 0, 0, 0, 0, 0xffffffffu));
  REQUIRE(v.violation);
  CHECK_THAT(*v.violation, Catch::Contains("4294967295 bytes"));
}

TEST_CASE("a frame passes only once its payload has all arrived") {
  basp_frame_check check{1024};
  auto whole = handshake;
  CHECK(check.scan(whole.substr(0, 20)).whole == 0);
  CHECK(check.scan(whole.substr(0, 34)).whole == 0);
  CHECK_FALSE(check.handshaken());
  CHECK(check.scan(whole).whole == whole.size());
}

TEST_CASE("nothing but a client handshake may come first") {
  for (auto first :
       {heartbeat, frame(0x02, "x", 7), frame(0x00, "server", 0, 0, 0, 1), frame(0x07, "?")}) {
    basp_frame_check check{1024};
    CHECK(check.scan(first).violation);
  }
}

TEST_CASE("the handshake may be repeated once, with the select-connection flag") {
  basp_frame_check check{1024};
  auto again = frame(0x01, "node-id", 0, 0, 0x02);
  CHECK_FALSE(check.scan(handshake + again).violation);
  basp_frame_check plain{1024};
  CHECK(plain.scan(handshake + handshake).violation);
  basp_frame_check thrice{1024};
  CHECK(thrice.scan(handshake + again + again).violation);
}

TEST_CASE("malformed messages after the handshake are refused") {
  for (auto bad : {frame(0x02, "x"), frame(0x03, "", 7), frame(0x04, "x", 0, 0, 0, 1),
                   frame(0x05, "x", 0, 0), frame(0x06, "x"), frame(0x06, "", 1),
                   frame(0x00, "server", 0, 0, 0, 1), frame(0xff, "x", 1)}) {
    basp_frame_check check{1024};
    auto v = check.scan(handshake + bad);
    CHECK(v.violation);
    CHECK(v.whole == handshake.size());
  }
}
