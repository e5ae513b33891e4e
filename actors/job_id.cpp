#include "job_id.hpp"

#include <openssl/rand.h>

#include <stdexcept>

namespace troupe::detail {

namespace {

// The version nibble (4) sits in the tag's 13th hex digit, the variant bits
// (10) in the top of the sequence's first digit.
constexpr uint64_t version_mask = 0xf000ull;
constexpr uint64_t version_bits = 0x4000ull;
constexpr uint64_t variant_mask = 0xc000000000000000ull;
constexpr uint64_t variant_bits = 0x8000000000000000ull;

constexpr char hex_digits[] = "0123456789abcdef";

void append_hex(std::string& out, uint64_t value, int digits) {
  for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4)
    out += hex_digits[(value >> shift) & 0xf];
}

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

} // namespace

std::string format_job_id(const job_key& key) {
  auto tag = (key.tag & ~version_mask) | version_bits;
  auto seq = (key.seq & ~variant_mask) | variant_bits;
  std::string id;
  id.reserve(36);
  append_hex(id, tag >> 32, 8);
  id += '-';
  append_hex(id, tag >> 16, 4);
  id += '-';
  append_hex(id, tag, 4);
  id += '-';
  append_hex(id, seq >> 48, 4);
  id += '-';
  append_hex(id, seq, 12);
  return id;
}

std::optional<job_key> parse_job_id(const std::string& id) {
  if (id.size() != 36)
    return std::nullopt;
  uint64_t tag = 0;
  uint64_t seq = 0;
  int digits = 0;
  for (size_t i = 0; i < id.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (id[i] != '-')
        return std::nullopt;
      continue;
    }
    auto v = hex_value(id[i]);
    if (v < 0)
      return std::nullopt;
    auto& half = digits < 16 ? tag : seq;
    half = (half << 4) | static_cast<uint64_t>(v);
    ++digits;
  }
  if ((tag & version_mask) != version_bits || (seq & variant_mask) != variant_bits)
    return std::nullopt;
  return job_key{seq & ~variant_mask, tag};
}

uint64_t tag_source::next() {
  if (used_ == block_.size()) {
    if (RAND_bytes(reinterpret_cast<unsigned char*>(block_.data()),
                   static_cast<int>(sizeof(block_)))
        != 1)
      throw std::runtime_error("RAND_bytes failed: cannot make an unguessable job id");
    used_ = 0;
  }
  return (block_[used_++] & ~version_mask) | version_bits;
}

} // namespace troupe::detail
