#pragma once
// The FLV/RTMP video tag header (VIDEODATA), legacy and Enhanced RTMP.
//
// Legacy: byte 0 = FrameType (4 bits) | CodecID (4 bits). For AVC (7) and the de-facto HEVC
// extension (12) four more bytes follow: AVCPacketType and a signed 24-bit composition time.
// Other legacy codecs (Sorenson, VP6, screen video...) have no such bytes: for them
// avc_packet_type is kNoPacketType, composition_time 0 and body is everything after byte 0.
// FrameType 5 (video info/command frame) carries a command byte instead of a video payload:
// avc_packet_type is kNoPacketType and body holds the command.
//
// Enhanced RTMP (byte 0 bit 7, IsExHeader): FrameType (3 bits) | PacketType (4 bits), then a
// FourCC. The enhanced packet type is mapped onto avc_packet_type (SequenceStart -> 0,
// CodedFrames/CodedFramesX -> 1, SequenceEnd -> 2, others -> kNoPacketType) so keyframe(),
// sequence_header() and end_of_sequence() mean the same for both forms; codec_id is 7 for 'avc1',
// 12 for 'hvc1' and kEnhancedCodecId otherwise (see fourcc). Multitrack and ModEx packets are
// refused with an "unsupported" error.

#include <cstdint>
#include <span>

#include "flv/tag.hpp"
#include "util/result.hpp"

namespace minirtc::flv {

namespace video_codec {
constexpr std::uint8_t kSorenson = 2;
constexpr std::uint8_t kScreen = 3;
constexpr std::uint8_t kVp6 = 4;
constexpr std::uint8_t kVp6Alpha = 5;
constexpr std::uint8_t kScreen2 = 6;
constexpr std::uint8_t kAvc = 7;
constexpr std::uint8_t kHevc = 12;  // not in Adobe's spec; widely used (ffmpeg/SRS/OBS China forks)
}  // namespace video_codec

namespace frame_type {
constexpr std::uint8_t kKey = 1;
constexpr std::uint8_t kInter = 2;
constexpr std::uint8_t kDisposableInter = 3;
constexpr std::uint8_t kGeneratedKey = 4;
constexpr std::uint8_t kCommand = 5;
}  // namespace frame_type

namespace avc_packet {
constexpr std::uint8_t kSequenceHeader = 0;
constexpr std::uint8_t kNalu = 1;
constexpr std::uint8_t kEndOfSequence = 2;
}  // namespace avc_packet

/// avc_packet_type of a tag that has none (non-AVC/HEVC legacy codecs, command frames).
constexpr std::uint8_t kNoPacketType = 0xFF;
/// codec_id of an Enhanced RTMP tag whose FourCC has no legacy codec id.
constexpr std::uint8_t kEnhancedCodecId = 0xFF;

struct VideoTagInfo {
  std::uint8_t frame_type = 0;
  std::uint8_t codec_id = 0;
  std::uint8_t avc_packet_type = kNoPacketType;
  std::int32_t composition_time = 0;      // ms, may be negative
  bool enhanced = false;                  // Enhanced RTMP ex-header form
  std::uint32_t fourcc = 0;               // enhanced only: 'avc1', 'hvc1', 'av01', 'vp09'...
  std::uint8_t enhanced_packet_type = 0;  // enhanced only: the raw PacketType

  /// A frame a decoder can start from. FrameType 4 (generated keyframe, a server-side seek aid)
  /// is not counted: players do not start GOPs on it.
  bool keyframe() const noexcept { return frame_type == frame_type::kKey; }
  bool sequence_header() const noexcept {
    return frame_type != frame_type::kCommand && avc_packet_type == avc_packet::kSequenceHeader;
  }
  bool end_of_sequence() const noexcept {
    return frame_type != frame_type::kCommand && avc_packet_type == avc_packet::kEndOfSequence;
  }
  bool is_avc() const noexcept { return codec_id == video_codec::kAvc; }

  /// After the header: for AVC a decoder configuration record (sequence header) or
  /// length-prefixed NAL units. A view into the parsed payload.
  std::span<const std::uint8_t> body;
};

Result<VideoTagInfo> parse_video_tag(std::span<const std::uint8_t> payload);

}  // namespace minirtc::flv
