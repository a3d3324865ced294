#pragma once
// The console's short memory: a few minutes of per-stream bitrate, frame rate and viewer counts,
// and of the server's total ingress/egress, one point per sample (the server samples once a
// second on its tick). The console's charts start from it when a page opens and then follow the
// live feed, so they are never empty and no browser has to poll.
//
// Pure: the caller passes the time and the hub's counters. Bounded: each series keeps at most
// `capacity` points (oldest dropped), and a stream absent from a sample (gone from the hub) loses
// its series at once, so memory follows the number of live streams.
//
// Totals are rates from per-stream byte counters: in = Σ Δbytes_in, out = Σ Δbytes_out over the
// streams present in both samples, divided by the time between them. A stream that appears,
// or whose counter went back (a new stream under the same key), adds nothing for that step
// rather than a spike.

#include <cstdint>
#include <deque>
#include <map>
#include <span>
#include <string>
#include <string_view>

namespace minirtc::console {

struct StreamSample {
  std::string key;  // stream_key()
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  std::uint64_t kbps = 0;  // video + audio, last second
  std::uint64_t fps = 0;
  std::uint64_t viewers = 0;
};

struct StreamPoint {
  std::uint64_t t_ms = 0;
  std::uint64_t kbps = 0;
  std::uint64_t fps = 0;
  std::uint64_t viewers = 0;
};

struct TotalPoint {
  std::uint64_t t_ms = 0;
  double in_mbps = 0;
  double out_mbps = 0;
};

class History {
 public:
  static constexpr std::size_t kDefaultCapacity = 300;  // 5 minutes at one sample a second

  explicit History(std::size_t capacity = kDefaultCapacity) : capacity_(capacity) {}

  /// One sample of every stream in the hub at `now_ms`.
  void sample(std::uint64_t now_ms, std::span<const StreamSample> streams);

  /// The stream's points, oldest first; nullptr when it has none.
  const std::deque<StreamPoint>* stream(std::string_view key) const;
  const std::deque<TotalPoint>& totals() const noexcept { return totals_; }
  std::size_t capacity() const noexcept { return capacity_; }
  std::size_t stream_count() const noexcept { return streams_.size(); }

 private:
  struct Series {
    std::deque<StreamPoint> points;
    std::uint64_t bytes_in = 0, bytes_out = 0;  // counters at the last sample
  };
  template <class T>
  void push(std::deque<T>& d, T value) {
    d.push_back(value);
    while (d.size() > capacity_) d.pop_front();
  }

  std::size_t capacity_;
  std::map<std::string, Series, std::less<>> streams_;
  std::deque<TotalPoint> totals_;
  std::uint64_t last_ms_ = 0;
};

}  // namespace minirtc::console
