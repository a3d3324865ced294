#pragma once
// A media packet as the hub shares it: parsed once when the publisher's message arrives, encoded
// once per wire format (RTMP chunks, FLV tag), then referenced by every viewer queue. Nothing in
// the fan-out path copies media bytes per viewer.

#include <cstdint>
#include <memory>

#include "util/shared_buffer.hpp"

namespace minirtc::media {

enum class PacketKind : std::uint8_t {
  Audio,
  Video,
  Metadata,  // onMetaData data message
  Control,   // connection-level bytes (RTMP command replies); already in wire form, never dropped
};

/// The byte forms a viewer connection can write.
enum class WireFormat : std::uint8_t { Rtmp, Flv };

struct Packet {
  PacketKind kind = PacketKind::Audio;
  std::uint32_t timestamp = 0;  // ms on the stream's (rebased) timeline
  bool keyframe = false;         // video: starts a GOP
  bool sequence_header = false;  // AVC decoder configuration / AAC AudioSpecificConfig
  SharedBuffer payload;          // FLV tag body (= RTMP message body)
  SharedBuffer rtmp_wire;        // complete RTMP chunks (fmt0 header, message stream id 1)
  SharedBuffer flv_wire;         // FLV tag header + body + PreviousTagSize

  bool droppable() const noexcept {
    return !sequence_header && (kind == PacketKind::Audio || kind == PacketKind::Video);
  }
  const SharedBuffer& wire(WireFormat f) const noexcept {
    return f == WireFormat::Rtmp ? rtmp_wire : flv_wire;
  }
};

using PacketPtr = std::shared_ptr<const Packet>;

/// RTMP chunk size used for every outgoing media message (set on each viewer before `connect`'s
/// reply). One size for all viewers is what lets a message be chunked once and shared.
inline constexpr std::uint32_t kOutChunkSize = 60000;
/// Message stream id of every play stream (`createStream` always answers 1), for the same reason.
inline constexpr std::uint32_t kPlayStreamId = 1;

/// Builds a shared media packet from a publisher's audio/video/metadata message body.
PacketPtr make_media_packet(PacketKind kind, std::uint32_t timestamp, bool keyframe,
                            bool sequence_header, SharedBuffer payload);
/// Wraps connection-level bytes already in wire form (e.g. an RTMP `_result`).
PacketPtr make_control_packet(SharedBuffer wire);

}  // namespace minirtc::media
