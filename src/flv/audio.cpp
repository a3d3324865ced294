#include "flv/audio.hpp"

#include <string>

#include "util/byte_reader.hpp"

namespace minirtc::flv {
namespace {

// Enhanced RTMP AudioPacketType values.
constexpr std::uint8_t kExSequenceStart = 0;
constexpr std::uint8_t kExCodedFrames = 1;
constexpr std::uint8_t kExMultitrack = 5;
constexpr std::uint8_t kExModEx = 7;

}  // namespace

Result<AudioTagInfo> parse_audio_tag(std::span<const std::uint8_t> payload) {
  ByteReader r(payload);
  auto first = r.u8();
  if (!first) return make_error("empty audio tag");
  AudioTagInfo info;
  info.sound_format = *first >> 4;
  if (info.sound_format == sound_format::kExHeader) {
    info.enhanced = true;
    info.enhanced_packet_type = *first & 0x0F;
    const std::uint8_t packet = info.enhanced_packet_type;
    if (packet == kExMultitrack || packet == kExModEx) {
      return make_error("unsupported Enhanced RTMP audio packet type " + std::to_string(packet));
    }
    auto cc = r.u32be();
    if (!cc) return make_error("truncated Enhanced RTMP audio header");
    info.fourcc = *cc;
    if (packet == kExSequenceStart) {
      info.aac_packet_type = aac_packet::kSequenceHeader;
    } else if (packet == kExCodedFrames) {
      info.aac_packet_type = aac_packet::kRaw;
    }
    info.body = r.rest();
    return info;
  }
  if (info.sound_format == 12 || info.sound_format == 13) {
    return make_error("reserved audio sound format " + std::to_string(info.sound_format));
  }
  info.sound_rate = (*first >> 2) & 0x03;
  info.sound_size = (*first >> 1) & 0x01;
  info.sound_type = *first & 0x01;
  if (info.sound_format == sound_format::kAac) {
    auto packet = r.u8();
    if (!packet) return make_error("truncated AAC audio tag header");
    if (*packet > aac_packet::kRaw) {
      return make_error("invalid AAC packet type " + std::to_string(*packet));
    }
    info.aac_packet_type = *packet;
  }
  info.body = r.rest();
  return info;
}

}  // namespace minirtc::flv
