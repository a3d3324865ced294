#pragma once
// An immutable, reference-counted byte buffer. Media payloads are parsed once into one of these
// and then shared by every viewer queue: fan-out copies pointers, never media bytes.

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

namespace minirtc {

class SharedBuffer {
 public:
  SharedBuffer() = default;
  explicit SharedBuffer(std::vector<std::uint8_t> bytes)
      : bytes_(std::make_shared<const std::vector<std::uint8_t>>(std::move(bytes))) {}
  static SharedBuffer copy_of(std::span<const std::uint8_t> b) {
    return SharedBuffer(std::vector<std::uint8_t>(b.begin(), b.end()));
  }

  std::span<const std::uint8_t> span() const noexcept {
    return bytes_ ? std::span<const std::uint8_t>(*bytes_) : std::span<const std::uint8_t>();
  }
  const std::uint8_t* data() const noexcept { return bytes_ ? bytes_->data() : nullptr; }
  std::size_t size() const noexcept { return bytes_ ? bytes_->size() : 0; }
  bool empty() const noexcept { return size() == 0; }
  std::string_view view() const noexcept {
    return {reinterpret_cast<const char*>(data()), size()};
  }

 private:
  std::shared_ptr<const std::vector<std::uint8_t>> bytes_;
};

}  // namespace minirtc
