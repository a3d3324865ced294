#pragma once
// When a publisher handed each message to its socket, by (track, timestamp), so a viewer in the
// same process (same steady clock) can compute the latency the server added. Timestamps of one
// track only grow, so each track is a deque searched by binary search; entries older than the
// horizon are dropped.

#include <algorithm>
#include <cstdint>
#include <deque>
#include <optional>
#include <utility>

namespace minirtc::bench {

class SendLog {
 public:
  static constexpr std::uint32_t kHorizonMs = 30'000;

  /// track: 0 audio, 1 video. send_ns: steady-clock nanoseconds.
  void record(int track, std::uint32_t timestamp, std::int64_t send_ns) {
    auto& q = tracks_[track & 1];
    if (!q.empty() && timestamp < q.back().first) q.clear();  // timeline restarted
    q.emplace_back(timestamp, send_ns);
    while (!q.empty() && q.front().first + kHorizonMs < timestamp) q.pop_front();
  }

  /// The send time of the message of `track` with exactly this timestamp (the first one, when a
  /// track repeats a timestamp).
  std::optional<std::int64_t> find(int track, std::uint32_t timestamp) const {
    const auto& q = tracks_[track & 1];
    auto it = std::lower_bound(q.begin(), q.end(), timestamp,
                               [](const auto& e, std::uint32_t ts) { return e.first < ts; });
    if (it == q.end() || it->first != timestamp) return std::nullopt;
    return it->second;
  }

 private:
  std::deque<std::pair<std::uint32_t, std::int64_t>> tracks_[2];
};

}  // namespace minirtc::bench
