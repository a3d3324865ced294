#pragma once
// Appending big- and little-endian integers and byte strings to a growable byte vector.

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace minirtc {

class ByteWriter {
 public:
  explicit ByteWriter(std::vector<std::uint8_t>& out) : out_(out) {}

  void u8(std::uint8_t v) { out_.push_back(v); }
  void u16be(std::uint16_t v) { be(v, 2); }
  void u24be(std::uint32_t v) { be(v, 3); }
  void u32be(std::uint32_t v) { be(v, 4); }
  void u64be(std::uint64_t v) { be(v, 8); }
  void u16le(std::uint16_t v) { le(v, 2); }
  void u32le(std::uint32_t v) { le(v, 4); }
  void bytes(std::span<const std::uint8_t> b) { out_.insert(out_.end(), b.begin(), b.end()); }
  void string(std::string_view s) { out_.insert(out_.end(), s.begin(), s.end()); }
  std::size_t size() const noexcept { return out_.size(); }

 private:
  void be(std::uint64_t v, int n) {
    for (int i = n - 1; i >= 0; --i) out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  void le(std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i) out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  std::vector<std::uint8_t>& out_;
};

}  // namespace minirtc
