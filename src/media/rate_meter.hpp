#pragma once
// Bytes and events per second over the last complete one-second window; cheap enough to call on
// every packet.

#include <cstdint>

namespace minirtc::media {

class RateMeter {
 public:
  void add(std::uint64_t amount, std::uint64_t now_ms) noexcept {
    roll(now_ms);
    current_ += amount;
    total_ += amount;
  }
  /// Amount per second in the last complete window (0 when the stream went quiet).
  std::uint64_t per_second(std::uint64_t now_ms) noexcept {
    roll(now_ms);
    return last_;
  }
  std::uint64_t total() const noexcept { return total_; }

 private:
  void roll(std::uint64_t now_ms) noexcept {
    const std::uint64_t window = now_ms / 1000;
    if (window == window_) return;
    last_ = window == window_ + 1 ? current_ : 0;
    current_ = 0;
    window_ = window;
  }
  std::uint64_t window_ = 0;
  std::uint64_t current_ = 0;
  std::uint64_t last_ = 0;
  std::uint64_t total_ = 0;
};

}  // namespace minirtc::media
