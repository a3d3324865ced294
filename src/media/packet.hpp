#pragma once
// A media packet as the hub shares it: parsed once when the publisher's message arrives, then
// referenced by every viewer queue. Its wire forms (RTMP chunks, FLV tag) are the publisher's
// payload with a few header bytes kept in the packet around it: a viewer's gather write points at
// the headers and at slices of the shared payload, so nothing copies media bytes, neither per
// viewer nor per format.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "flv/tag.hpp"
#include "rtmp/chunk_encoder.hpp"
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

/// RTMP chunk size used for every outgoing media message (set on each viewer before `connect`'s
/// reply). One size for all viewers is what lets a message be chunked once and shared.
inline constexpr std::uint32_t kOutChunkSize = 60000;
/// Message stream id of every play stream (`createStream` always answers 1), for the same reason.
inline constexpr std::uint32_t kPlayStreamId = 1;

struct Packet {
  PacketKind kind = PacketKind::Audio;
  std::uint32_t timestamp = 0;   // ms on the stream's (rebased) timeline
  bool keyframe = false;         // video: starts a GOP
  bool sequence_header = false;  // AVC decoder configuration / AAC AudioSpecificConfig
  SharedBuffer payload;  // FLV tag body (= RTMP message body); a Control packet's wire bytes

  // Set by make_media_packet(): the headers around the payload in each wire form. Each message
  // has a full (fmt0) RTMP header, so its encoding does not depend on what a given viewer was
  // sent before and can be shared.
  rtmp::ChunkHeaders rtmp_headers;
  std::array<std::uint8_t, flv::kTagHeaderSize> flv_header{};
  std::array<std::uint8_t, flv::kPreviousTagSizeSize> flv_trailer{};
  std::size_t rtmp_size = 0;  // bytes of each wire form
  std::size_t flv_size = 0;

  bool droppable() const noexcept {
    return !sequence_header && (kind == PacketKind::Audio || kind == PacketKind::Video);
  }

  /// Bytes the packet puts on the wire in format `f`.
  std::size_t wire_size(WireFormat f) const noexcept {
    return f == WireFormat::Rtmp ? rtmp_size : flv_size;
  }

  /// Calls `piece` with each consecutive piece of the wire form `f` (views of this packet, valid
  /// while it lives): RTMP is the first chunk header, then payload slices of kOutChunkSize with a
  /// continuation header between them; FLV is tag header, payload, PreviousTagSize.
  template <class Piece>
  void for_each_wire_piece(WireFormat f, Piece&& piece) const {
    if (kind == PacketKind::Control) {
      piece(payload.span());
    } else if (f == WireFormat::Rtmp) {
      rtmp::for_each_chunk_piece(rtmp_headers, body(), kOutChunkSize, piece);
    } else {
      piece(std::span<const std::uint8_t>(flv_header));
      if (!body().empty()) piece(body());
      piece(std::span<const std::uint8_t>(flv_trailer));
    }
  }

  /// How many pieces for_each_wire_piece() produces (counted by walking them, so the two cannot
  /// disagree; a walk is a few steps for any packet but a keyframe of several chunks).
  std::size_t wire_pieces(WireFormat f) const noexcept {
    std::size_t n = 0;
    for_each_wire_piece(f, [&n](std::span<const std::uint8_t>) { ++n; });
    return n;
  }

  /// The payload as a message body: RTMP and FLV lengths have 24 bits.
  std::span<const std::uint8_t> body() const noexcept {
    const auto s = payload.span();
    return s.first(std::min<std::size_t>(s.size(), rtmp::kMaxMessageLength));
  }
};

using PacketPtr = std::shared_ptr<const Packet>;

/// Pieces of the largest media packet (a 16 MiB message in kOutChunkSize chunks): what one viewer
/// write must be able to hold whatever else it merges.
inline constexpr std::size_t kMaxPiecesPerPacket =
    2 * ((rtmp::kMaxMessageLength + kOutChunkSize - 1) / kOutChunkSize);

/// Builds a shared media packet from a publisher's audio/video/metadata message body.
PacketPtr make_media_packet(PacketKind kind, std::uint32_t timestamp, bool keyframe,
                            bool sequence_header, SharedBuffer payload);
/// Wraps connection-level bytes already in wire form (e.g. an RTMP `_result`).
PacketPtr make_control_packet(SharedBuffer wire);

}  // namespace minirtc::media
