#pragma once
// Bounds-checked reading of big- and little-endian integers from a byte span. Every read reports
// failure instead of reading past the end, so parsers of network bytes cannot overrun.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace minirtc {

class ByteReader {
 public:
  explicit ByteReader(std::span<const std::uint8_t> data) : data_(data) {}

  std::size_t remaining() const noexcept { return data_.size() - pos_; }
  std::size_t position() const noexcept { return pos_; }
  bool empty() const noexcept { return remaining() == 0; }
  std::span<const std::uint8_t> rest() const noexcept { return data_.subspan(pos_); }

  std::optional<std::uint8_t> u8() {
    if (remaining() < 1) return std::nullopt;
    return data_[pos_++];
  }
  std::optional<std::uint16_t> u16be() { return uint_be<std::uint16_t>(2); }
  std::optional<std::uint32_t> u24be() { return uint_be<std::uint32_t>(3); }
  std::optional<std::uint32_t> u32be() { return uint_be<std::uint32_t>(4); }
  std::optional<std::uint64_t> u64be() { return uint_be<std::uint64_t>(8); }
  std::optional<std::uint16_t> u16le() { return uint_le<std::uint16_t>(2); }
  std::optional<std::uint32_t> u32le() { return uint_le<std::uint32_t>(4); }

  /// The next n bytes as a view into the underlying data (no copy).
  std::optional<std::span<const std::uint8_t>> bytes(std::size_t n) {
    if (remaining() < n) return std::nullopt;
    auto out = data_.subspan(pos_, n);
    pos_ += n;
    return out;
  }
  std::optional<std::string_view> string(std::size_t n) {
    auto b = bytes(n);
    if (!b) return std::nullopt;
    return std::string_view(reinterpret_cast<const char*>(b->data()), b->size());
  }
  bool skip(std::size_t n) {
    if (remaining() < n) return false;
    pos_ += n;
    return true;
  }

 private:
  template <class T>
  std::optional<T> uint_be(std::size_t n) {
    if (remaining() < n) return std::nullopt;
    T v = 0;
    for (std::size_t i = 0; i < n; ++i) v = static_cast<T>((v << 8) | data_[pos_ + i]);
    pos_ += n;
    return v;
  }
  template <class T>
  std::optional<T> uint_le(std::size_t n) {
    if (remaining() < n) return std::nullopt;
    T v = 0;
    for (std::size_t i = 0; i < n; ++i) v = static_cast<T>(v | (T(data_[pos_ + i]) << (8 * i)));
    pos_ += n;
    return v;
  }

  std::span<const std::uint8_t> data_;
  std::size_t pos_ = 0;
};

}  // namespace minirtc
