// Job ids that are unguessable and still cheap to look up.
//
// A client must not be able to guess another client's job id, so ids carry
// 60 random bits. The engine, though, keys its tables by submission sequence
// (an integer) rather than by hashed strings: an id therefore also carries the
// sequence, and parsing an id gives both back. The text keeps the familiar
// UUID v4 shape (8-4-4-4-12 hex digits, version 4, RFC 4122 variant): the
// first 16 digits hold the random tag, the last 16 the sequence.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace troupe::detail {

/// The two halves of a job id.
struct job_key {
  /// Submission order; unique within a store, below 2^62.
  uint64_t seq = 0;
  /// Random bits that make the id unguessable.
  uint64_t tag = 0;

  friend bool operator==(const job_key& a, const job_key& b) {
    return a.seq == b.seq && a.tag == b.tag;
  }
};

/// Renders a key as its id text.
std::string format_job_id(const job_key& key);

/// Parses an id made by `format_job_id`; nothing for any other text.
std::optional<job_key> parse_job_id(const std::string& id);

/// Draws random tags from the operating system's CSPRNG, a block at a time.
class tag_source {
public:
  /// Returns a random tag with the UUID version and variant bits already set.
  /// Throws if the CSPRNG fails.
  uint64_t next();

private:
  std::array<uint64_t, 512> block_{};
  size_t used_ = block_.size();
};

} // namespace troupe::detail
