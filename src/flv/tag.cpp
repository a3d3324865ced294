#include "flv/tag.hpp"

namespace minirtc::flv {

std::array<std::uint8_t, kFileHeaderSize + kPreviousTagSizeSize> file_header(bool has_audio,
                                                                             bool has_video) {
  const auto flags = static_cast<std::uint8_t>((has_audio ? 0x04 : 0) | (has_video ? 0x01 : 0));
  return {'F', 'L', 'V', 1, flags, 0, 0, 0, kFileHeaderSize, 0, 0, 0, 0};
}

std::array<std::uint8_t, kTagHeaderSize> tag_header(TagType type, std::uint32_t data_size,
                                                    std::uint32_t timestamp_ms) {
  auto byte = [](std::uint32_t v, int shift) { return static_cast<std::uint8_t>(v >> shift); };
  return {static_cast<std::uint8_t>(type),
          byte(data_size, 16),
          byte(data_size, 8),
          byte(data_size, 0),
          byte(timestamp_ms, 16),
          byte(timestamp_ms, 8),
          byte(timestamp_ms, 0),
          byte(timestamp_ms, 24),  // TimestampExtended: the upper 8 bits come last
          0,
          0,
          0};
}

void write_tag(TagType type, std::uint32_t timestamp_ms, std::span<const std::uint8_t> payload,
               std::vector<std::uint8_t>& out) {
  const auto size = static_cast<std::uint32_t>(payload.size());
  const auto header = tag_header(type, size, timestamp_ms);
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), payload.begin(), payload.end());
  const auto trailer = previous_tag_size(size);
  out.insert(out.end(), trailer.begin(), trailer.end());
}

std::array<std::uint8_t, kPreviousTagSizeSize> previous_tag_size(std::uint32_t data_size) {
  const std::uint32_t previous = data_size + static_cast<std::uint32_t>(kTagHeaderSize);
  return {static_cast<std::uint8_t>(previous >> 24), static_cast<std::uint8_t>(previous >> 16),
          static_cast<std::uint8_t>(previous >> 8), static_cast<std::uint8_t>(previous)};
}

}  // namespace minirtc::flv
