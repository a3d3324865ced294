#include "media/viewer_queue.hpp"

#include <algorithm>

namespace minirtc::media {

namespace {
bool is_media(const Packet& p) {
  return p.droppable();
}
bool is_video(const Packet& p) {
  return p.droppable() && p.kind == PacketKind::Video;
}
bool is_audio(const Packet& p) {
  return p.droppable() && p.kind == PacketKind::Audio;
}
}  // namespace

bool ViewerQueue::admit(const Packet& p) {
  if (!p.droppable()) return true;
  if (p.kind == PacketKind::Audio) return !mute_audio_;
  if (mute_video_) return false;
  if (waiting_keyframe_) {
    if (!p.keyframe) {
      ++dropped_video_;
      return false;
    }
    waiting_keyframe_ = false;
  }
  return true;
}

void ViewerQueue::push(const PacketPtr& packet) {
  if (!admit(*packet)) return;
  queue_.push_back(packet);
  bytes_ += size_of(packet);
  if (over_limits()) shed();
}

void ViewerQueue::push_backlog(const PacketPtr& packet) {
  if (!admit(*packet)) return;
  queue_.push_back(packet);
  bytes_ += size_of(packet);
  backlog_left_ = queue_.size();
  backlog_bytes_ = bytes_;
}

void ViewerQueue::take(std::vector<PacketPtr>& out, std::size_t max_packets,
                       std::size_t max_pieces) {
  std::size_t pieces = 0;
  for (std::size_t taken = 0; !queue_.empty() && taken < max_packets; ++taken) {
    pieces += queue_.front()->wire_pieces(format_);
    if (taken > 0 && pieces > max_pieces) break;
    const auto size = size_of(queue_.front());
    bytes_ -= size;
    if (backlog_left_ > 0) {
      --backlog_left_;
      backlog_bytes_ -= size;
    }
    out.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
}

void ViewerQueue::set_mute(bool audio, bool video) {
  if (mute_video_ && !video) waiting_keyframe_ = true;
  mute_audio_ = audio;
  mute_video_ = video;
  if (audio) remove_if_droppable(is_audio);
  if (video) remove_if_droppable(is_video);
  // Removing media measures the whole queue from now on (the join backlog's positions changed):
  // a backlog that was exempt may be over the bounds now, and they hold after every call.
  if ((audio || video) && over_limits()) shed();
}

bool ViewerQueue::over_limits() const {
  // The join backlog (a prefix of the queue) is not measured; see push_backlog().
  if (bytes_ - backlog_bytes_ > limits_.max_bytes ||
      queue_.size() - backlog_left_ > limits_.max_packets)
    return true;
  // Delay: the span of media timestamps waiting in the queue behind the backlog.
  auto live = queue_.begin() + static_cast<std::ptrdiff_t>(backlog_left_);
  auto first = std::find_if(live, queue_.end(), [](auto& p) { return is_media(*p); });
  if (first == queue_.end()) return false;
  auto last = std::find_if(queue_.rbegin(), queue_.rend(), [](auto& p) { return is_media(*p); });
  const auto span = static_cast<std::int64_t>((*last)->timestamp) - (*first)->timestamp;
  return span > static_cast<std::int64_t>(limits_.max_delay_ms);
}

void ViewerQueue::shed() {
  // A viewer behind on live media is behind on its backlog too: all of it is measured now.
  backlog_left_ = 0;
  backlog_bytes_ = 0;
  // Jump to the newest queued keyframe if there is one; otherwise drop all queued video and wait
  // for the next keyframe. Audio stays unless the queue is still over its bounds.
  auto key = std::find_if(queue_.rbegin(), queue_.rend(),
                          [](auto& p) { return is_video(*p) && p->keyframe; });
  if (key != queue_.rend() && std::next(key) != queue_.rend()) {
    const Packet* keep_from = key->get();
    bool before = true;
    std::deque<PacketPtr> kept;
    for (auto& p : queue_) {
      if (p.get() == keep_from) before = false;
      if (before && is_video(*p)) {
        ++dropped_video_;
        bytes_ -= size_of(p);
        continue;
      }
      kept.push_back(std::move(p));
    }
    queue_.swap(kept);
  } else {
    remove_if_droppable(is_video);
    waiting_keyframe_ = true;
  }
  // Still too much: shed the oldest media. Audio older than the kept keyframe goes first; once the
  // keyframe itself is the oldest, the whole GOP goes (frames after it cannot be decoded without
  // it) and the viewer waits for the next keyframe; then the remaining audio, oldest first.
  while (over_limits()) {
    auto a = std::find_if(queue_.begin(), queue_.end(), [](auto& p) { return is_media(*p); });
    if (a == queue_.end()) break;
    if ((*a)->kind == PacketKind::Video) {
      remove_if_droppable(is_video);
      waiting_keyframe_ = true;
      continue;
    }
    ++dropped_audio_;
    bytes_ -= size_of(*a);
    queue_.erase(a);
  }
  // No media is left and the queue is still over: a publisher repeats metadata or sequence headers
  // to a viewer that does not read. Nothing queued needs an older one, so only the newest of each
  // stays (control bytes too: they are the connection's own replies, a few).
  if (over_limits()) drop_superseded();
}

void ViewerQueue::drop_superseded() {
  bool metadata = false, video_header = false, audio_header = false;
  std::deque<PacketPtr> kept;
  for (auto it = queue_.rbegin(); it != queue_.rend(); ++it) {
    const Packet& p = **it;
    bool* newer = p.kind == PacketKind::Metadata                     ? &metadata
                  : p.sequence_header && p.kind == PacketKind::Video ? &video_header
                  : p.sequence_header && p.kind == PacketKind::Audio ? &audio_header
                                                                     : nullptr;
    if (newer && *newer) {
      bytes_ -= size_of(*it);
      continue;
    }
    if (newer) *newer = true;
    kept.push_front(std::move(*it));
  }
  queue_.swap(kept);
}

void ViewerQueue::remove_if_droppable(bool (*pred)(const Packet&)) {
  backlog_left_ = 0;  // positions change: measure everything from here on
  backlog_bytes_ = 0;
  std::deque<PacketPtr> kept;
  for (auto& p : queue_) {
    if (pred(*p)) {
      bytes_ -= size_of(p);
      if (p->kind == PacketKind::Video)
        ++dropped_video_;
      else
        ++dropped_audio_;
      continue;
    }
    kept.push_back(std::move(p));
  }
  queue_.swap(kept);
}

}  // namespace minirtc::media
