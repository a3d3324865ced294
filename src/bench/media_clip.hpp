#pragma once
// The media a bench publisher sends: an FLV file read once into memory, then replayed in a loop
// with timestamps that keep increasing, so a run may last longer than the file. Metadata and
// sequence headers go out on the first pass only (a repeat would look like a codec change).

#include <cstdint>
#include <string>
#include <vector>

#include "flv/tag.hpp"
#include "util/result.hpp"

namespace minirtc::bench {

struct ClipTag {
  flv::Tag tag;
  bool header = false;  // script data or a codec sequence header: first pass only
  bool keyframe = false;
};

struct MediaClip {
  std::vector<ClipTag> tags;      // in file order
  std::uint32_t duration_ms = 0;  // last timestamp + one frame: the loop period
  std::uint64_t media_bytes = 0;  // audio+video payload bytes of one pass
  /// Average audio+video payload rate of one pass.
  double bitrate_bps() const noexcept {
    return duration_ms ? static_cast<double>(media_bytes) * 8000.0 / duration_ms : 0.0;
  }
};

/// Parses FLV bytes (a whole file) into a clip. Errors: not FLV, no audio/video tags.
Result<MediaClip> parse_clip(std::span<const std::uint8_t> file);
Result<MediaClip> load_clip(const std::string& path);

/// Walks a clip forever: pass 0 sends everything, later passes skip header tags; timestamps are
/// shifted by pass * duration_ms.
class ClipCursor {
 public:
  explicit ClipCursor(const MediaClip& clip) : clip_(&clip) { skip_headers_if_needed(); }
  const ClipTag& tag() const { return clip_->tags[index_]; }
  /// The current tag's timestamp on the looped timeline.
  std::uint32_t timestamp() const;
  void advance();
  std::uint32_t pass() const noexcept { return pass_; }

 private:
  void skip_headers_if_needed();
  const MediaClip* clip_;
  std::size_t index_ = 0;
  std::uint32_t pass_ = 0;
};

}  // namespace minirtc::bench
