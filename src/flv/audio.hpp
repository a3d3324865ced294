#pragma once
// The FLV/RTMP audio tag header (AUDIODATA), legacy and Enhanced RTMP.
//
// Legacy: byte 0 = SoundFormat (4) | SoundRate (2) | SoundSize (1) | SoundType (1). AAC (10) adds
// an AACPacketType byte (0 = AudioSpecificConfig, 1 = raw frame); for every other format
// aac_packet_type is kNoAudioPacketType and body is everything after byte 0. For AAC the rate/size/
// type bits are fixed by convention (44 kHz, 16 bit, stereo) and mean nothing: the real values are
// in the AudioSpecificConfig (see aac.hpp).
//
// Enhanced RTMP (SoundFormat 9, ExHeader): the low 4 bits are an AudioPacketType followed by a
// FourCC ('mp4a', 'Opus', 'fLaC', 'ac-3', 'ec-3', '.mp3'). SequenceStart maps to
// aac_packet_type 0, CodedFrames to 1, others to kNoAudioPacketType; Multitrack and ModEx are
// refused with an "unsupported" error.

#include <cstdint>
#include <span>

#include "flv/tag.hpp"
#include "util/result.hpp"

namespace minirtc::flv {

namespace sound_format {
constexpr std::uint8_t kLinearPcmPlatform = 0;
constexpr std::uint8_t kAdpcm = 1;
constexpr std::uint8_t kMp3 = 2;
constexpr std::uint8_t kLinearPcmLe = 3;
constexpr std::uint8_t kNellymoser16kMono = 4;
constexpr std::uint8_t kNellymoser8kMono = 5;
constexpr std::uint8_t kNellymoser = 6;
constexpr std::uint8_t kG711ALaw = 7;
constexpr std::uint8_t kG711MuLaw = 8;
constexpr std::uint8_t kExHeader = 9;  // Enhanced RTMP
constexpr std::uint8_t kAac = 10;
constexpr std::uint8_t kSpeex = 11;
constexpr std::uint8_t kMp3_8k = 14;
constexpr std::uint8_t kDeviceSpecific = 15;
}  // namespace sound_format

namespace aac_packet {
constexpr std::uint8_t kSequenceHeader = 0;
constexpr std::uint8_t kRaw = 1;
}  // namespace aac_packet

constexpr std::uint8_t kNoAudioPacketType = 0xFF;

struct AudioTagInfo {
  std::uint8_t sound_format = 0;
  std::uint8_t sound_rate = 0;  // 0 = 5.5 kHz, 1 = 11 kHz, 2 = 22 kHz, 3 = 44 kHz
  std::uint8_t sound_size = 0;  // 0 = 8 bit, 1 = 16 bit
  std::uint8_t sound_type = 0;  // 0 = mono, 1 = stereo
  std::uint8_t aac_packet_type = kNoAudioPacketType;
  bool enhanced = false;
  std::uint32_t fourcc = 0;               // enhanced only
  std::uint8_t enhanced_packet_type = 0;  // enhanced only: the raw AudioPacketType

  bool sequence_header() const noexcept { return aac_packet_type == aac_packet::kSequenceHeader; }
  /// AAC in either form (legacy SoundFormat 10 or Enhanced RTMP 'mp4a').
  bool is_aac() const noexcept {
    return sound_format == sound_format::kAac ||
           (enhanced && fourcc == flv::fourcc('m', 'p', '4', 'a'));
  }
  /// After the header: for AAC an AudioSpecificConfig or one raw AAC frame.
  std::span<const std::uint8_t> body;
};

Result<AudioTagInfo> parse_audio_tag(std::span<const std::uint8_t> payload);

}  // namespace minirtc::flv
