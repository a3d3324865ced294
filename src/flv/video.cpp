#include "flv/video.hpp"

#include <string>

#include "util/byte_reader.hpp"

namespace minirtc::flv {
namespace {

// Enhanced RTMP VideoPacketType values.
constexpr std::uint8_t kExSequenceStart = 0;
constexpr std::uint8_t kExCodedFrames = 1;
constexpr std::uint8_t kExSequenceEnd = 2;
constexpr std::uint8_t kExCodedFramesX = 3;
constexpr std::uint8_t kExMultitrack = 6;
constexpr std::uint8_t kExModEx = 7;

std::int32_t sign_extend_24(std::uint32_t v) {
  return (v & 0x800000u) ? static_cast<std::int32_t>(v) - 0x1000000 : static_cast<std::int32_t>(v);
}

Result<VideoTagInfo> parse_enhanced(std::uint8_t first, ByteReader& r) {
  VideoTagInfo info;
  info.enhanced = true;
  info.frame_type = (first >> 4) & 0x07;
  info.enhanced_packet_type = first & 0x0F;
  if (info.frame_type < frame_type::kKey || info.frame_type > frame_type::kCommand) {
    return make_error("invalid video frame type " + std::to_string(info.frame_type));
  }
  const std::uint8_t packet = info.enhanced_packet_type;
  if (packet == kExMultitrack || packet == kExModEx) {
    return make_error("unsupported Enhanced RTMP video packet type " + std::to_string(packet));
  }
  if (packet > kExModEx) {
    return make_error("invalid Enhanced RTMP video packet type " + std::to_string(packet));
  }
  auto cc = r.u32be();
  if (!cc) return make_error("truncated Enhanced RTMP video header");
  info.fourcc = *cc;
  if (info.fourcc == fourcc('a', 'v', 'c', '1')) {
    info.codec_id = video_codec::kAvc;
  } else if (info.fourcc == fourcc('h', 'v', 'c', '1')) {
    info.codec_id = video_codec::kHevc;
  } else {
    info.codec_id = kEnhancedCodecId;
  }
  if (info.frame_type == frame_type::kCommand) {
    // A command frame carries a command byte, not video (the Metadata packet type excepted).
    info.avc_packet_type = kNoPacketType;
    info.body = r.rest();
    return info;
  }
  switch (packet) {
    case kExSequenceStart:
      info.avc_packet_type = avc_packet::kSequenceHeader;
      break;
    case kExCodedFrames:
      info.avc_packet_type = avc_packet::kNalu;
      // Only AVC and HEVC carry a composition time with CodedFrames.
      if (info.codec_id == video_codec::kAvc || info.codec_id == video_codec::kHevc) {
        auto cts = r.u24be();
        if (!cts) return make_error("truncated Enhanced RTMP video composition time");
        info.composition_time = sign_extend_24(*cts);
      }
      break;
    case kExCodedFramesX:
      info.avc_packet_type = avc_packet::kNalu;
      break;
    case kExSequenceEnd:
      info.avc_packet_type = avc_packet::kEndOfSequence;
      break;
    default:  // Metadata, MPEG2TSSequenceStart: passed through as opaque bodies
      info.avc_packet_type = kNoPacketType;
      break;
  }
  info.body = r.rest();
  return info;
}

}  // namespace

Result<VideoTagInfo> parse_video_tag(std::span<const std::uint8_t> payload) {
  ByteReader r(payload);
  auto first = r.u8();
  if (!first) return make_error("empty video tag");
  if (*first & 0x80) return parse_enhanced(*first, r);

  VideoTagInfo info;
  info.frame_type = *first >> 4;
  info.codec_id = *first & 0x0F;
  if (info.frame_type < frame_type::kKey || info.frame_type > frame_type::kCommand) {
    return make_error("invalid video frame type " + std::to_string(info.frame_type));
  }
  if (info.codec_id < 1 ||
      (info.codec_id > video_codec::kAvc && info.codec_id != video_codec::kHevc)) {
    return make_error("unknown video codec id " + std::to_string(info.codec_id));
  }
  const bool avc_like = info.codec_id == video_codec::kAvc || info.codec_id == video_codec::kHevc;
  if (info.frame_type == frame_type::kCommand || !avc_like) {
    info.avc_packet_type = kNoPacketType;
    info.body = r.rest();
    return info;
  }
  auto packet = r.u8();
  auto cts = r.u24be();
  if (!packet || !cts) return make_error("truncated AVC video tag header");
  if (*packet > avc_packet::kEndOfSequence) {
    return make_error("invalid AVC packet type " + std::to_string(*packet));
  }
  info.avc_packet_type = *packet;
  info.composition_time = sign_extend_24(*cts);
  info.body = r.rest();
  return info;
}

}  // namespace minirtc::flv
