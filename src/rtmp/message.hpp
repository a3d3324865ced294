#pragma once
// An RTMP message as the chunk layer delivers it: header fields plus an immutable payload.

#include <cstdint>

#include "util/shared_buffer.hpp"

namespace minirtc::rtmp {

/// RTMP message type ids (RTMP 1.0 spec, sections 5.4, 6.2 and 7.1).
enum class MessageType : std::uint8_t {
  SetChunkSize = 1,
  Abort = 2,
  Acknowledgement = 3,
  UserControl = 4,
  WindowAckSize = 5,
  SetPeerBandwidth = 6,
  Audio = 8,
  Video = 9,
  DataAmf3 = 15,
  SharedObjectAmf3 = 16,
  CommandAmf3 = 17,
  DataAmf0 = 18,
  SharedObjectAmf0 = 19,
  CommandAmf0 = 20,
  Aggregate = 22,
};

constexpr std::uint8_t to_u8(MessageType t) noexcept {
  return static_cast<std::uint8_t>(t);
}

/// Chunk stream ids this server sends on. The receiver does not care which csid carries what, but
/// keeping audio, video and data apart lets each use compact fmt1..3 headers against its own
/// previous message. Protocol control must use csid 2 (spec 5.4); the rest follow common practice
/// (ffmpeg and SRS put commands on 3 and media on 4 and up).
inline constexpr std::uint32_t kCsidProtocolControl = 2;  // SetChunkSize, Ack, UserControl, ...
inline constexpr std::uint32_t kCsidCommand = 3;          // connect/_result/onStatus/...
inline constexpr std::uint32_t kCsidAudio = 4;
inline constexpr std::uint32_t kCsidVideo = 5;
inline constexpr std::uint32_t kCsidData = 6;  // onMetaData, |RtmpSampleAccess

/// Smallest and largest chunk stream ids a basic header can express (0 and 1 are escapes).
inline constexpr std::uint32_t kMinCsid = 2;
inline constexpr std::uint32_t kMaxCsid = 65599;

/// Chunk size every RTMP connection starts with in both directions (spec 5.4.1).
inline constexpr std::uint32_t kDefaultChunkSize = 128;

struct Message {
  std::uint32_t csid = 0;       // chunk stream it arrived on / should go out on
  std::uint8_t type = 0;        // a MessageType value (kept raw: unknown types pass through)
  std::uint32_t timestamp = 0;  // absolute, milliseconds, wraps at 2^32
  std::uint32_t stream_id = 0;  // message stream id (0 = the NetConnection)
  SharedBuffer payload;
};

}  // namespace minirtc::rtmp
