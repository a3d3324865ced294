#pragma once
// One clock for the whole load generator: publishers stamp send times and viewers stamp receive
// times with it, so their difference is the latency the server added.

#include <chrono>
#include <cstdint>

namespace minirtc::bench {

inline std::int64_t now_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

inline double ns_to_ms(std::int64_t ns) noexcept {
  return static_cast<double>(ns) / 1e6;
}

}  // namespace minirtc::bench
