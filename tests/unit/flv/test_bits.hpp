#pragma once
// Test helpers: hex literals, and an MSB-first bit writer with Exp-Golomb codes for building
// syntax (SPS, AudioSpecificConfig) that no encoder at hand produces.

#include <cstdint>
#include <string_view>
#include <vector>

#include "util/hex.hpp"

namespace minirtc::flv::test {

inline std::vector<std::uint8_t> hex(std::string_view s) {
  auto bytes = from_hex(s);
  return bytes ? *bytes : std::vector<std::uint8_t>{};
}

/// Inserts emulation-prevention bytes (the inverse of nal_to_rbsp), prefixed by a NAL header.
inline std::vector<std::uint8_t> make_nal(std::uint8_t header,
                                          const std::vector<std::uint8_t>& rbsp) {
  std::vector<std::uint8_t> out{header};
  int zeros = 0;
  for (const std::uint8_t b : rbsp) {
    if (zeros >= 2 && b <= 3) {
      out.push_back(3);
      zeros = 0;
    }
    zeros = b == 0 ? zeros + 1 : 0;
    out.push_back(b);
  }
  return out;
}

class BitWriter {
 public:
  BitWriter& bits(std::uint64_t value, unsigned n) {
    for (unsigned i = n; i-- > 0;) bit((value >> i) & 1);
    return *this;
  }
  BitWriter& bit(bool b) {
    if (count_ % 8 == 0) bytes_.push_back(0);
    if (b) bytes_.back() |= static_cast<std::uint8_t>(0x80 >> (count_ % 8));
    ++count_;
    return *this;
  }
  BitWriter& ue(std::uint32_t v) {
    const std::uint64_t x = std::uint64_t{v} + 1;
    unsigned len = 0;
    while ((x >> len) > 1) ++len;
    bits(0, len);
    return bits(x, len + 1);
  }
  BitWriter& se(std::int32_t v) {
    return ue(v > 0 ? static_cast<std::uint32_t>(2 * v - 1)
                    : static_cast<std::uint32_t>(-2 * std::int64_t{v}));
  }
  /// rbsp_trailing_bits: a stop bit, then zeros to the byte boundary.
  BitWriter& trailing() {
    bit(true);
    while (count_ % 8) bit(false);
    return *this;
  }
  const std::vector<std::uint8_t>& bytes() const { return bytes_; }
  std::size_t bit_count() const { return count_; }

 private:
  std::vector<std::uint8_t> bytes_;
  std::size_t count_ = 0;
};

}  // namespace minirtc::flv::test
