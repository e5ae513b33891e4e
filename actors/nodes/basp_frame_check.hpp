// What a peer of the node port may send, frame by frame.
//
// CAF 0.17.6's BASP trusts what a peer sends before the handshake is done: a
// client handshake that announces no payload makes it dereference a null
// pointer (one 32-byte frame kills the server), and a header that announces
// a 4 GiB payload makes it allocate 4 GiB before a byte of it arrives. So
// the node port's guard reads every frame first and passes on only whole
// frames that follow these rules:
// - a frame is a 32-byte header (operation, two padding bytes, flags, the
//   payload length as a big-endian 32-bit number, operation data, source and
//   destination actor ids), then the payload;
// - the first frame is a client handshake with a payload (the node's id)
//   and no actor ids; CAF's client repeats it once, after the server's
//   handshake, with the select-connection flag; no other handshake comes;
// - later frames are direct or routed messages (to an actor, with a
//   payload), monitor and down messages (with a payload), or heartbeats
//   (nothing but the operation);
// - no payload is longer than the configured maximum.
// A peer that breaks a rule is dropped; since frames are passed on whole,
// memory grows only with the bytes a peer really sent.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace troupe::detail {

class basp_frame_check {
public:
  /// Size of a BASP header on the wire.
  static constexpr size_t header_size = 32;

  explicit basp_frame_check(uint32_t max_payload) : max_payload_(max_payload) {}

  struct verdict {
    /// Bytes at the front of the scanned text that are whole, valid frames.
    size_t whole = 0;
    /// Why the peer must be dropped, if it must.
    std::optional<std::string> violation;
    /// The client handshake's payload (the node's id, serialized by CAF),
    /// if the handshake is among the whole frames.
    std::string_view handshake_payload;
  };

  /// Looks at what a peer sent and the guard has not passed on yet. The
  /// caller passes on `whole` bytes and drops them before the next scan.
  verdict scan(std::string_view buffered);

  /// Whether the handshake has been passed on.
  bool handshaken() const { return handshakes_ > 0; }

private:
  /// Why a header breaks the rules, given the client handshakes passed on
  /// before it; or nothing.
  std::optional<std::string> check(std::string_view header, int handshakes) const;

  uint32_t max_payload_;
  int handshakes_ = 0;
};

} // namespace troupe::detail
