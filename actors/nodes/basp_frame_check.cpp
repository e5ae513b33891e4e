#include "nodes/basp_frame_check.hpp"

namespace troupe::detail {

namespace {

/// BASP's operations (caf/io/basp/message_type.hpp).
enum operation : uint8_t {
  server_handshake = 0x00,
  client_handshake = 0x01,
  direct_message = 0x02,
  routed_message = 0x03,
  monitor_message = 0x04,
  down_message = 0x05,
  heartbeat = 0x06,
};

uint64_t big_endian(std::string_view bytes) {
  uint64_t value = 0;
  for (unsigned char c : bytes)
    value = (value << 8) | c;
  return value;
}

/// BASP's flag of a repeated client handshake (`select_connection_flag`).
constexpr uint8_t select_connection = 0x02;

/// A header's fields, read from its 32 bytes.
struct header {
  uint8_t operation;
  uint8_t flags;
  uint32_t payload_len;
  uint64_t operation_data;
  uint64_t source_actor;
  uint64_t dest_actor;

  explicit header(std::string_view h)
      : operation(static_cast<uint8_t>(h[0])), flags(static_cast<uint8_t>(h[3])),
        payload_len(static_cast<uint32_t>(big_endian(h.substr(4, 4)))),
        operation_data(big_endian(h.substr(8, 8))), source_actor(big_endian(h.substr(16, 8))),
        dest_actor(big_endian(h.substr(24, 8))) {}
};

} // namespace

std::optional<std::string> basp_frame_check::check(std::string_view raw, int handshakes) const {
  header h{raw};
  if (h.payload_len > max_payload_)
    return "a frame of " + std::to_string(h.payload_len) + " bytes, more than the "
           + std::to_string(max_payload_) + " allowed";
  if (h.operation == client_handshake) {
    if (handshakes > 1 || (handshakes == 1 && (h.flags & select_connection) == 0))
      return "another handshake";
    if (h.payload_len == 0)
      return "a client handshake without a payload";
    if (h.source_actor != 0 || h.dest_actor != 0)
      return "a client handshake that names actors";
    return std::nullopt;
  }
  if (handshakes == 0)
    return "a first frame that is not a client handshake";
  switch (h.operation) {
    case server_handshake:
      return "a server handshake";
    case direct_message:
    case routed_message:
      if (h.dest_actor == 0 || h.payload_len == 0)
        return "a message without a receiver or a payload";
      return std::nullopt;
    case monitor_message:
      if (h.payload_len == 0 || h.operation_data != 0)
        return "a malformed monitor message";
      return std::nullopt;
    case down_message:
      if (h.source_actor == 0 || h.dest_actor != 0 || h.payload_len == 0 || h.operation_data != 0)
        return "a malformed down message";
      return std::nullopt;
    case heartbeat:
      if (h.payload_len != 0 || h.operation_data != 0 || h.source_actor != 0 || h.dest_actor != 0)
        return "a malformed heartbeat";
      return std::nullopt;
    default:
      return "an unknown operation " + std::to_string(h.operation);
  }
}

basp_frame_check::verdict basp_frame_check::scan(std::string_view buffered) {
  verdict v;
  size_t at = 0;
  while (buffered.size() - at >= header_size) {
    auto raw = buffered.substr(at, header_size);
    if (auto problem = check(raw, handshakes_)) {
      v.violation = std::move(problem);
      break;
    }
    header h{raw};
    auto length = header_size + h.payload_len;
    if (buffered.size() - at < length)
      break; // the payload has not all arrived
    if (h.operation == client_handshake && handshakes_++ == 0)
      v.handshake_payload = buffered.substr(at + header_size, length - header_size);
    at += length;
  }
  v.whole = at;
  return v;
}

} // namespace troupe::detail
