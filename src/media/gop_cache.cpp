#include "media/gop_cache.hpp"

namespace minirtc::media {

void GopCache::push(const PacketPtr& packet) {
  if (!packet->droppable()) return;
  if (packet->kind == PacketKind::Video && packet->keyframe) {
    clear();
    started_ = true;
  }
  if (!started_) return;  // nothing decodable to offer before the first keyframe
  packets_.push_back(packet);
  bytes_ += packet->payload.size();
  const auto duration = static_cast<std::int64_t>(packet->timestamp) - packets_.front()->timestamp;
  if (packets_.size() > limits_.max_packets || bytes_ > limits_.max_bytes ||
      duration > static_cast<std::int64_t>(limits_.max_duration_ms)) {
    clear();  // too long a GOP to cache; start again at the next keyframe
  }
}

void GopCache::clear() noexcept {
  packets_.clear();
  bytes_ = 0;
  started_ = false;
}

}  // namespace minirtc::media
