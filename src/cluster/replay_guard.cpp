#include "cluster/replay_guard.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>

#include "cluster/broadcast.hpp"

namespace minirtc::cluster {

namespace {
bool parse_half(std::string_view hex, std::uint64_t& out) {
  auto [p, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), out, 16);
  return ec == std::errc() && p == hex.data() + hex.size();
}
}  // namespace

ReplayGuard::ReplayGuard(std::uint64_t max_skew_ms, std::size_t max_ids)
    : max_skew_ms_(max_skew_ms), max_ids_(std::max<std::size_t>(max_ids, 1)) {}

ReplayGuard::Verdict ReplayGuard::admit(std::string_view id, std::uint64_t sent_ms,
                                        std::uint64_t now_ms) {
  Id key;
  if (!is_broadcast_id(id) || !parse_half(id.substr(0, 16), key.first) ||
      !parse_half(id.substr(16), key.second))
    return Verdict::BadId;
  prune(now_ms);
  if (ids_.contains(key)) return Verdict::Replay;
  const std::uint64_t forget_after =
      sent_ms > UINT64_MAX - max_skew_ms_ ? UINT64_MAX : sent_ms + max_skew_ms_;
  if (forget_after < now_ms) return Verdict::Fresh;  // would not verify: nothing to keep
  if (ids_.size() >= max_ids_) {
    ids_.erase(by_expiry_.begin()->second);
    by_expiry_.erase(by_expiry_.begin());
    ++evicted_;
  }
  ids_.insert(key);
  by_expiry_.emplace(forget_after, key);
  return Verdict::Fresh;
}

void ReplayGuard::prune(std::uint64_t now_ms) {
  while (!by_expiry_.empty() && by_expiry_.begin()->first < now_ms) {
    ids_.erase(by_expiry_.begin()->second);
    by_expiry_.erase(by_expiry_.begin());
  }
}

}  // namespace minirtc::cluster
