#pragma once
// The per-viewer send queue and its drop policy. Bounded by delay, bytes and packets: a viewer
// that falls behind loses video up to the next keyframe (audio is kept while it fits), so it
// never grows memory and never slows the publisher or the other viewers. Metadata and sequence
// headers are not dropped for lag, but of those repeated past the bounds only the newest stays.
// Also applies the viewer's own mute filter (muteRemote). Pure: no I/O, unit-tested directly.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

#include "media/packet.hpp"

namespace minirtc::media {

struct QueueLimits {
  std::uint32_t max_delay_ms = 800;  // the player's max cache in RTC mode
  std::size_t max_bytes = 2u << 20;
  std::size_t max_packets = 2048;
};

class ViewerQueue {
 public:
  ViewerQueue(WireFormat format, QueueLimits limits) : format_(format), limits_(limits) {}

  /// Offers a packet: filtered by mute and keyframe waiting, then queued; sheds if over bounds.
  void push(const PacketPtr& packet);
  /// Offers a packet of a new viewer's start (metadata, sequence headers, the GOP cache): filtered
  /// like push(), but what is queued at this point counts as the join backlog, which the bounds
  /// do not measure (the GOP cache has its own bounds, and a GOP of seconds is its purpose). Live
  /// packets behind it are measured as usual; once they are over, the backlog goes too.
  void push_backlog(const PacketPtr& packet);
  /// Moves packets, oldest first, into `out`: up to `max_packets`, and no more than `max_pieces`
  /// wire pieces (Packet::wire_pieces) in all, except that the first packet is always taken.
  void take(std::vector<PacketPtr>& out, std::size_t max_packets, std::size_t max_pieces);

  /// muteRemote: stop/start sending this viewer audio or video. Video resumes at a keyframe.
  void set_mute(bool audio, bool video);
  /// Drop video until the next keyframe (a new viewer, a resumed video track).
  void wait_for_keyframe() noexcept { waiting_keyframe_ = true; }

  bool empty() const noexcept { return queue_.empty(); }
  std::size_t size() const noexcept { return queue_.size(); }
  std::size_t bytes() const noexcept { return bytes_; }
  bool waiting_keyframe() const noexcept { return waiting_keyframe_; }
  std::size_t backlog() const noexcept { return backlog_left_; }
  std::size_t backlog_bytes() const noexcept { return backlog_bytes_; }
  bool audio_muted() const noexcept { return mute_audio_; }
  bool video_muted() const noexcept { return mute_video_; }
  std::uint64_t dropped_video() const noexcept { return dropped_video_; }
  std::uint64_t dropped_audio() const noexcept { return dropped_audio_; }

 private:
  bool admit(const Packet& p);
  bool over_limits() const;
  void shed();
  void remove_if_droppable(bool (*pred)(const Packet&));
  /// Drops metadata and sequence headers that a newer one of the same kind follows.
  void drop_superseded();
  std::size_t size_of(const PacketPtr& p) const { return p->wire_size(format_); }

  WireFormat format_;
  QueueLimits limits_;
  std::deque<PacketPtr> queue_;
  std::size_t bytes_ = 0;
  std::size_t backlog_left_ = 0;   // the first entries of queue_ that are the join backlog
  std::size_t backlog_bytes_ = 0;  // their bytes
  bool waiting_keyframe_ = true;
  bool mute_audio_ = false;
  bool mute_video_ = false;
  std::uint64_t dropped_video_ = 0;
  std::uint64_t dropped_audio_ = 0;
};

}  // namespace minirtc::media
