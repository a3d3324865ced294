#pragma once
// FLV tag framing (Adobe FLV file format v10.1, annex E). RTMP audio/video/data message payloads
// are FLV tag bodies, so muxing FLV is just putting an 11-byte header in front of a message
// payload and its size after it.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "util/shared_buffer.hpp"

namespace minirtc::flv {

enum class TagType : std::uint8_t { Audio = 8, Video = 9, Script = 18 };

constexpr std::size_t kTagHeaderSize = 11;
constexpr std::size_t kFileHeaderSize = 9;
constexpr std::size_t kPreviousTagSizeSize = 4;
/// The tag header's DataSize field is 24 bits wide.
constexpr std::uint32_t kMaxTagDataSize = 0xFFFFFF;

/// The 9-byte FLV file header (version 1, data offset 9) followed by PreviousTagSize0 (= 0).
std::array<std::uint8_t, kFileHeaderSize + kPreviousTagSizeSize> file_header(bool has_audio,
                                                                             bool has_video);

/// An 11-byte tag header: type, 24-bit data size, 24-bit timestamp plus the extended (upper) byte,
/// stream id 0. data_size above kMaxTagDataSize is truncated to 24 bits; callers keep payloads
/// below it (RTMP messages are at most 16 MiB - 1 as well).
std::array<std::uint8_t, kTagHeaderSize> tag_header(TagType type, std::uint32_t data_size,
                                                    std::uint32_t timestamp_ms);

/// The PreviousTagSize that follows a tag of `data_size` body bytes (header + body, big-endian).
std::array<std::uint8_t, kPreviousTagSizeSize> previous_tag_size(std::uint32_t data_size);

/// Appends tag header + payload + PreviousTagSize (11 + payload size) to out.
void write_tag(TagType type, std::uint32_t timestamp_ms, std::span<const std::uint8_t> payload,
               std::vector<std::uint8_t>& out);

/// A FourCC code as Enhanced RTMP writes it (big-endian, first character in the top byte).
constexpr std::uint32_t fourcc(char a, char b, char c, char d) {
  return (std::uint32_t(std::uint8_t(a)) << 24) | (std::uint32_t(std::uint8_t(b)) << 16) |
         (std::uint32_t(std::uint8_t(c)) << 8) | std::uint32_t(std::uint8_t(d));
}

/// One demuxed tag: its type, full 32-bit timestamp and body (what an RTMP message would carry).
struct Tag {
  TagType type = TagType::Script;
  std::uint32_t timestamp = 0;
  SharedBuffer data;
};

}  // namespace minirtc::flv
