#pragma once
// A summary of a stream built from its sequence headers, for logs, stats and the admin API:
// "H.264 High 3.1 1280x720 25fps, AAC LC 44100 Hz 2ch".

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "flv/tag.hpp"
#include "util/result.hpp"

namespace minirtc::flv {

struct MediaInfo {
  bool has_video = false;  // a video sequence header (or, for codecs without one, a frame) was seen
  std::string video_codec;       // "H.264", "HEVC", "AV1", "VP9", "VP6", "Sorenson H.263", ...
  std::string video_profile;     // H.264 only: "Baseline", "Main", "High", ...
  std::uint8_t video_level = 0;  // H.264 level_idc (31 = 3.1)
  std::uint32_t width = 0, height = 0;
  double fps = 0;

  bool has_audio = false;
  std::string audio_codec;    // "AAC", "MP3", "Speex", "G.711 A-law", ...
  std::string audio_profile;  // AAC only: "LC", "HE-AAC", "HE-AACv2", "Main", ...
  std::uint32_t sample_rate = 0;
  std::uint8_t channels = 0;
};

/// "Baseline", "Constrained Baseline", "Main", "Extended", "High", "High 10", "High 4:2:2",
/// "High 4:4:4 Predictive", "High 10 Intra", ...; "Unknown" otherwise.
std::string_view h264_profile_name(std::uint8_t profile_idc, std::uint8_t constraint_flags);
/// "LC", "HE-AAC", "HE-AACv2", "Main", "SSR", "LTP", ...; "Unknown" otherwise.
std::string_view aac_profile_name(std::uint8_t object_type, bool sbr, bool ps);

/// Feeds one tag body (an RTMP audio/video message payload) into info. Sequence headers fill the
/// codec details; for codecs without sequence headers the first frame names the codec. Other tags
/// and script tags are ignored. Returns an error when a tag or a sequence header does not parse
/// (info keeps what it had).
Status update_media_info(MediaInfo& info, TagType type, std::span<const std::uint8_t> payload);

/// The one-line summary, e.g. "H.264 High 3.1 1280x720 25fps, AAC LC 44100 Hz 2ch".
std::string describe(const MediaInfo& info);

}  // namespace minirtc::flv
