#pragma once
// Retry backoff shared by the node's outgoing RTMP links (a relay upstream pulling from an origin,
// server/relay_policy; a push forward to the room's node, cluster/push_route): the first retry
// after `initial_ms`, doubled per failure in a row, never more than `max_ms`. Pure, constexpr.

#include <algorithm>
#include <cstdint>

namespace minirtc::util {

/// The wait before the next attempt after `failures` failures in a row (1: the first).
constexpr std::uint32_t doubling_backoff_ms(std::uint32_t failures, std::uint64_t initial_ms,
                                            std::uint64_t max_ms) noexcept {
  std::uint64_t wait = initial_ms;
  for (std::uint32_t i = 1; i < failures && wait < max_ms; ++i) wait *= 2;
  return static_cast<std::uint32_t>(std::min(wait, max_ms));
}

static_assert(doubling_backoff_ms(1, 500, 8000) == 500);
static_assert(doubling_backoff_ms(3, 500, 8000) == 2000);
static_assert(doubling_backoff_ms(40, 500, 8000) == 8000);

}  // namespace minirtc::util
