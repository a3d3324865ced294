#pragma once
// The frames since the last keyframe (with the audio between them), so that a new viewer gets a
// decodable picture at once instead of waiting for the publisher's next keyframe. Bounded by
// packets, bytes and duration: a GOP longer than that is not cached (viewers then wait).

#include <cstddef>
#include <cstdint>
#include <deque>

#include "media/packet.hpp"

namespace minirtc::media {

struct GopLimits {
  std::size_t max_packets = 1500;
  std::size_t max_bytes = 8u << 20;
  std::uint32_t max_duration_ms = 10000;
};

class GopCache {
 public:
  explicit GopCache(GopLimits limits = {}) : limits_(limits) {}

  /// Offers a droppable audio/video packet (sequence headers and metadata are kept elsewhere).
  void push(const PacketPtr& packet);
  void clear() noexcept;

  const std::deque<PacketPtr>& packets() const noexcept { return packets_; }
  std::size_t bytes() const noexcept { return bytes_; }
  bool has_keyframe() const noexcept { return started_; }

 private:
  GopLimits limits_;
  std::deque<PacketPtr> packets_;
  std::size_t bytes_ = 0;
  bool started_ = false;  // the cache begins with a keyframe
};

}  // namespace minirtc::media
