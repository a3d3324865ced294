#pragma once
// One stream in the hub: its publisher (if any), its sequence headers, metadata and GOP cache,
// its viewers, its mute state and statistics. Turns the publisher's messages into shared packets
// and fans them out. A publisher that replays another server's start (a relay upstream: the
// origin's GOP cache arrives in one burst) has its first GOP fanned out as the viewers' start
// backlog, as a joining viewer gets the GOP cache (PublisherHandle::replays_start).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/ids.hpp"
#include "media/gop_cache.hpp"
#include "media/packet.hpp"
#include "media/rate_meter.hpp"
#include "media/sink.hpp"
#include "media/timeline.hpp"

namespace minirtc::media {

struct StreamStats {
  bool publishing = false;
  bool live = false;  // media has arrived since the current publish began
  std::uint64_t publish_started_ms = 0;
  std::uint64_t bytes_in = 0;
  std::uint64_t video_frames = 0;
  std::uint64_t audio_frames = 0;
  std::uint64_t keyframes = 0;
  std::uint64_t bad_messages = 0;
  std::uint32_t takeovers = 0;
  std::uint64_t video_kbps = 0;
  std::uint64_t audio_kbps = 0;
  std::uint64_t fps = 0;
  std::uint32_t gop_ms = 0;
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  std::string video_codec;  // "H.264 High 3.1"
  std::string audio_codec;  // "AAC LC 44100 Hz 2 ch"
  std::size_t viewers = 0;
  std::uint64_t bytes_out = 0;       // summed over current and departed viewers
  std::uint64_t dropped_frames = 0;  // idem
  bool mute_audio = false;
  bool mute_video = false;
};

/// What became of one publisher message.
struct IngestResult {
  bool became_live = false;  // first media since publish began: the stream is now live
  bool has_audio = false;
  bool has_video = false;
};

class Source {
 public:
  Source(StreamId id, GopLimits gop_limits, bool gop_cache_enabled,
         std::uint32_t max_timestamp_lead_ms = Timeline::kDefaultMaxLeadMs);

  const StreamId& id() const noexcept { return id_; }

  // Publisher side.
  PublisherHandle* publisher() const noexcept { return publisher_; }
  void begin_publish(PublisherHandle* publisher, std::uint64_t now_ms);
  void end_publish();
  IngestResult ingest(PacketKind kind, std::uint32_t timestamp, SharedBuffer payload,
                      std::uint64_t now_ms);
  /// When the last audio or video frame arrived (or the publish began): what the idle timeout
  /// counts from. Metadata and sequence headers are not media.
  std::uint64_t last_media_ms() const noexcept { return last_media_ms_; }
  bool live() const noexcept { return stats_.live; }
  /// Bytes the current publisher sent since its publish began (0 without a publisher); stats()'s
  /// bytes_in is the whole source's, over every publish since the source was made.
  std::uint64_t publish_bytes_in() const noexcept {
    return publisher_ ? stats_.bytes_in - publish_base_bytes_ : 0;
  }
  /// The last video resolution a sequence header gave (0 before any).
  std::uint32_t width() const noexcept { return stats_.width; }
  std::uint32_t height() const noexcept { return stats_.height; }
  /// The hub announced the stream live and not yet ended. Unlike live(), a takeover keeps it: the
  /// stream stays up for its viewers, and its end is announced when the last publisher leaves,
  /// whether or not that one sent media.
  bool announced_live() const noexcept { return announced_live_; }
  void set_announced_live(bool announced) noexcept { announced_live_ = announced; }

  // Viewer side.
  void add_viewer(ViewerSink* viewer);
  /// False when `viewer` was not attached.
  bool remove_viewer(ViewerSink* viewer);
  const std::vector<ViewerSink*>& viewers() const noexcept { return viewers_; }

  /// muteLocal: stop forwarding audio / video of this stream to everyone. Video resumes at a key.
  void set_mute(bool audio, bool video);

  StreamStats stats(std::uint64_t now_ms);
  bool idle() const noexcept { return publisher_ == nullptr && viewers_.empty(); }

 private:
  void fan_out(const PacketPtr& packet, bool backlog);
  void send_start_sequence(ViewerSink* viewer) const;
  bool forwarded(const Packet& packet) const noexcept;

  StreamId id_;
  bool gop_cache_enabled_;
  PublisherHandle* publisher_ = nullptr;
  std::vector<ViewerSink*> viewers_;
  bool announced_live_ = false;

  PacketPtr metadata_, video_header_, audio_header_;
  GopCache gop_;

  // Viewers see one timeline across publishers, bounded to arrival time (media/timeline.hpp).
  Timeline timeline_;

  // Video is held back until a keyframe after an unmute and after a new publisher begins.
  bool mute_audio_ = false, mute_video_ = false, video_resume_pending_ = false;

  // A publisher that replays_start(): what it sends until its second keyframe reaches viewers as
  // start backlog, while the GOP cache holds it (its bounds bound the backlog too).
  bool start_backlog_ = false;
  bool start_keyframe_seen_ = false;

  // Statistics.
  StreamStats stats_;
  RateMeter video_rate_, audio_rate_, frame_rate_;
  std::uint64_t last_media_ms_ = 0;
  std::uint64_t publish_base_bytes_ = 0;  // stats_.bytes_in when the current publish began
  std::optional<std::uint32_t> last_keyframe_ts_;
  std::uint64_t departed_bytes_out_ = 0, departed_dropped_ = 0;
};

}  // namespace minirtc::media
