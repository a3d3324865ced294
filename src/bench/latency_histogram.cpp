#include "bench/latency_histogram.hpp"

#include <algorithm>
#include <cmath>

namespace minirtc::bench {

LatencyHistogram::LatencyHistogram() : buckets_(kBuckets, 0) {}

void LatencyHistogram::record(double ms) {
  if (!(ms > 0.0)) ms = 0.0;  // also maps NaN to 0
  auto index = static_cast<std::size_t>(ms / kBucketMs);
  if (index >= kBuckets) index = kBuckets - 1;
  ++buckets_[index];
  ++count_;
  sum_ += ms;
  max_ = std::max(max_, ms);
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  for (std::size_t i = 0; i < kBuckets; ++i) buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  max_ = std::max(max_, other.max_);
}

void LatencyHistogram::clear() {
  std::fill(buckets_.begin(), buckets_.end(), 0);
  count_ = 0;
  sum_ = 0.0;
  max_ = 0.0;
}

double LatencyHistogram::percentile(double p) const noexcept {
  if (count_ == 0) return 0.0;
  p = std::clamp(p, 0.0, 1.0);
  auto rank = static_cast<std::uint64_t>(std::ceil(p * static_cast<double>(count_)));
  if (rank == 0) rank = 1;
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < kBuckets; ++i) {
    seen += buckets_[i];
    if (seen >= rank) {
      // The last bucket also holds everything beyond the range: only the maximum is known.
      if (i == kBuckets - 1) return max_;
      return std::min(static_cast<double>(i + 1) * kBucketMs, max_);
    }
  }
  return max_;
}

}  // namespace minirtc::bench
