#include "media/timeline.hpp"

#include <algorithm>

namespace minirtc::media {

std::int64_t Timeline::continuation(std::int64_t arrival) const noexcept {
  return std::max(highest_ + 1, arrival + ref_);
}

std::uint32_t Timeline::frame(Track track, std::uint32_t in, std::uint64_t arrival_ms) noexcept {
  const auto arrival = std::max(static_cast<std::int64_t>(arrival_ms), last_arrival_);
  last_arrival_ = arrival;
  if (!started_) {
    started_ = true;
    segment_started_ = true;
    unwrapped_ = in;
    offset_ = 0;
    ref_ = static_cast<std::int64_t>(in) - arrival;
  } else if (!segment_started_) {
    segment_started_ = true;
    unwrapped_ = in;
    offset_ = continuation(arrival) - unwrapped_;
  } else {
    unwrapped_ += static_cast<std::int32_t>(in - prev_in_);
  }
  prev_in_ = in;

  const auto t = static_cast<std::size_t>(track);
  const std::int64_t bound = arrival + ref_ + max_lead_ms_;
  std::int64_t out = unwrapped_ + offset_;
  if (has_last_[t] && out < last_[t] - kMaxHeldBackstepMs) out = continuation(arrival);
  out = std::clamp<std::int64_t>(out, 0, bound);
  offset_ = out - unwrapped_;
  // Every output is within its bound and bounds never decrease, so this cannot exceed the bound.
  if (has_last_[t]) out = std::max(out, last_[t]);
  last_[t] = out;
  has_last_[t] = true;
  highest_ = std::max(highest_, out);
  return static_cast<std::uint32_t>(out);
}

}  // namespace minirtc::media
