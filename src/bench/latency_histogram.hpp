#pragma once
// A fixed-resolution histogram of durations in milliseconds. Thousands of viewers each receive
// ~70 messages a second, so keeping every sample would cost hundreds of MB; 50 µs buckets up to
// 5 s give exact-enough percentiles in constant memory. The maximum is kept exactly.

#include <cstdint>
#include <vector>

namespace minirtc::bench {

class LatencyHistogram {
 public:
  static constexpr double kBucketMs = 0.05;
  static constexpr std::size_t kBuckets = 100'000;  // 0 .. 5000 ms; larger values land in the last

  LatencyHistogram();

  /// Negative values (clock noise) count as 0.
  void record(double ms);
  void merge(const LatencyHistogram& other);
  void clear();

  std::uint64_t count() const noexcept { return count_; }
  double max() const noexcept { return max_; }
  double mean() const noexcept { return count_ ? sum_ / static_cast<double>(count_) : 0.0; }
  /// The upper edge of the bucket holding the sample of rank ceil(p * count), p in [0, 1]; 0 when
  /// empty. Never above max(): the top bucket's edge is replaced by the exact maximum.
  double percentile(double p) const noexcept;

 private:
  std::vector<std::uint32_t> buckets_;
  std::uint64_t count_ = 0;
  double sum_ = 0.0;
  double max_ = 0.0;
};

}  // namespace minirtc::bench
