#pragma once
// Token bucket for a session's requests: `rate` per second on average, bursts of up to `rate`.
// Integer arithmetic in thousandths of a token, so no drift and no floating point.

#include <algorithm>
#include <cstdint>

namespace minirtc::signal {

class RateLimiter {
 public:
  RateLimiter(std::uint32_t per_second, std::uint64_t now_ms)
      : rate_(per_second), milli_tokens_(capacity()), last_ms_(now_ms) {}

  /// Takes one token; false when the bucket is empty (the request is refused).
  bool take(std::uint64_t now_ms) {
    if (now_ms > last_ms_) {
      // rate tokens per 1000 ms = rate milli-tokens per ms.
      const std::uint64_t refill = (now_ms - last_ms_) * rate_;
      milli_tokens_ = std::min(capacity(), milli_tokens_ + std::min(refill, capacity()));
      last_ms_ = now_ms;
    }
    if (milli_tokens_ < 1000) return false;
    milli_tokens_ -= 1000;
    return true;
  }

 private:
  std::uint64_t capacity() const noexcept { return std::uint64_t{rate_} * 1000; }

  std::uint32_t rate_;
  std::uint64_t milli_tokens_;
  std::uint64_t last_ms_;
};

}  // namespace minirtc::signal
