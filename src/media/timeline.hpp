#pragma once
// The output timeline of one stream: what timestamp viewers see for each frame a publisher sends.
// Pure: the caller gives the publisher's timestamp and the frame's arrival time (ms); nothing else
// is read.
//
// Why. Viewers stay attached while publishers come and go (takeover, reconnect within the grace),
// so they must see one timeline across publishers; and a publisher's timestamps are untrusted:
// encoders restart their clocks, wrap at 2^32, or zigzag (a frame stamped seconds ahead, the next
// one back). Players schedule by these timestamps, so output that runs ahead of real time makes
// them wait or buffer without end (seen: 15 s ahead after 11 s of zigzag).
//
// The rule (audio and video frames; D = max_lead_ms):
//  - The publisher's 32-bit timestamps are unwrapped (each step is the signed 32-bit difference
//    from the previous frame), so wraparound at 2^32 is a normal step. Output = input + offset;
//    the offset is what the rules below move, shared by both tracks so audio and video stay in
//    sync. The first publisher of a timeline keeps its own timestamps (offset 0).
//  - Reference: at the timeline's first frame, ref = output - arrival. The bound: no frame's
//    output exceeds arrival + ref + D, i.e. the output never gets more than D ahead of the time
//    that has passed since the first frame. A frame beyond it is stamped at the bound and the
//    offset moves with it (a clock that jumped ahead continues from there; one that runs fast is
//    held at the bound). Output behind arrival time (network stalls, a slow encoder clock) is left
//    alone: late frames keep their spacing.
//  - Per track the output never goes back. A frame up to kMaxHeldBackstepMs before its track's
//    last output (encoders stamping B-frames by PTS, small disorder) is stamped at that last
//    output. A larger step back is a restarted clock: the offset is moved so the frame continues
//    at the later of (the highest output so far + 1) and arrival + ref, within the bound.
//  - A new publisher (restart()) continues the same way: its first frame at the later of (highest
//    output + 1) and arrival + ref, within the bound. Viewers see no step back, and a gap as long
//    as the time nobody published.
//  - Arrival times that step back (a wall clock set back) count as no time passing.
// Metadata and sequence headers are not frames: position() stamps them where the timeline is,
// without moving it (an encoder re-sending its headers stamped 0 mid-stream must not look like a
// restarted clock).

#include <array>
#include <cstdint>

namespace minirtc::media {

enum class Track : std::uint8_t { Audio, Video };

class Timeline {
 public:
  static constexpr std::uint32_t kDefaultMaxLeadMs = 1500;
  /// Steps back within a track up to this are held at the track's last output; larger ones are
  /// a restarted clock.
  static constexpr std::int64_t kMaxHeldBackstepMs = 250;

  explicit Timeline(std::uint32_t max_lead_ms = kDefaultMaxLeadMs) : max_lead_ms_(max_lead_ms) {}

  /// A new publisher begins: its first frame continues the timeline.
  void restart() noexcept { segment_started_ = false; }
  /// The output timestamp of a frame stamped `in` by its publisher, arrived at `arrival_ms`.
  std::uint32_t frame(Track track, std::uint32_t in, std::uint64_t arrival_ms) noexcept;
  /// The output timestamp of metadata or a sequence header stamped `in`: the highest output so
  /// far, or `in` before the first frame.
  std::uint32_t position(std::uint32_t in) const noexcept {
    return started_ ? static_cast<std::uint32_t>(highest_) : in;
  }

 private:
  std::int64_t continuation(std::int64_t arrival) const noexcept;

  std::int64_t max_lead_ms_;
  bool started_ = false;          // a frame has been output on this timeline
  bool segment_started_ = false;  // the current publisher has sent a frame
  std::uint32_t prev_in_ = 0;     // the current publisher's previous timestamp, as sent
  std::int64_t unwrapped_ = 0;    // ... and unwrapped
  std::int64_t offset_ = 0;
  std::int64_t ref_ = 0;  // output - arrival at the timeline's first frame
  std::int64_t last_arrival_ = 0;
  std::int64_t highest_ = 0;  // the highest output so far
  std::array<std::int64_t, 2> last_{};
  std::array<bool, 2> has_last_{};
};

}  // namespace minirtc::media
