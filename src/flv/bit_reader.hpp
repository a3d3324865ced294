#pragma once
// MSB-first bit reading with Exp-Golomb codes, for H.264 RBSP and MPEG-4 AudioSpecificConfig.
// Every read reports running out of bits instead of reading past the end.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace minirtc::flv {

class BitReader {
 public:
  explicit BitReader(std::span<const std::uint8_t> data) : data_(data) {}

  std::size_t bits_left() const noexcept { return data_.size() * 8 - pos_; }
  std::size_t bit_position() const noexcept { return pos_; }

  /// n (0..32) bits as an unsigned number.
  std::optional<std::uint32_t> bits(unsigned n) {
    if (n > 32 || bits_left() < n) return std::nullopt;
    std::uint32_t v = 0;
    for (unsigned i = 0; i < n; ++i) {
      const std::uint8_t byte = data_[pos_ >> 3];
      v = (v << 1) | ((byte >> (7 - (pos_ & 7))) & 1u);
      ++pos_;
    }
    return v;
  }
  std::optional<bool> flag() {
    auto b = bits(1);
    if (!b) return std::nullopt;
    return *b != 0;
  }
  bool skip(std::size_t n) {
    if (bits_left() < n) return false;
    pos_ += n;
    return true;
  }

  /// ue(v): unsigned Exp-Golomb. Codes longer than 32 bits are refused (no H.264 syntax element
  /// needs them), so the value always fits.
  std::optional<std::uint32_t> ue() {
    unsigned zeros = 0;
    for (;;) {
      auto b = bits(1);
      if (!b) return std::nullopt;
      if (*b) break;
      if (++zeros > 31) return std::nullopt;
    }
    auto rest = bits(zeros);
    if (!rest) return std::nullopt;
    return static_cast<std::uint32_t>((std::uint64_t{1} << zeros) - 1 + *rest);
  }
  /// se(v): signed Exp-Golomb (1, -1, 2, -2, ...).
  std::optional<std::int32_t> se() {
    auto k = ue();
    if (!k) return std::nullopt;
    const std::int64_t v = (*k & 1u) ? (std::int64_t{*k} + 1) / 2 : -(std::int64_t{*k} / 2);
    return static_cast<std::int32_t>(v);
  }

 private:
  std::span<const std::uint8_t> data_;
  std::size_t pos_ = 0;
};

}  // namespace minirtc::flv
