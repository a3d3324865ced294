#include "media/packet.hpp"

#include "rtmp/message.hpp"

namespace minirtc::media {

namespace {
struct KindInfo {
  std::uint32_t csid;
  rtmp::MessageType rtmp_type;
  flv::TagType flv_type;
};

KindInfo info_of(PacketKind kind) {
  switch (kind) {
    case PacketKind::Audio:
      return {rtmp::kCsidAudio, rtmp::MessageType::Audio, flv::TagType::Audio};
    case PacketKind::Video:
      return {rtmp::kCsidVideo, rtmp::MessageType::Video, flv::TagType::Video};
    default:
      return {rtmp::kCsidData, rtmp::MessageType::DataAmf0, flv::TagType::Script};
  }
}
}  // namespace

PacketPtr make_media_packet(PacketKind kind, std::uint32_t timestamp, bool keyframe,
                            bool sequence_header, SharedBuffer payload) {
  auto p = std::make_shared<Packet>();
  p->kind = kind;
  p->timestamp = timestamp;
  p->keyframe = keyframe;
  p->sequence_header = sequence_header;
  p->payload = std::move(payload);

  const auto info = info_of(kind);
  const auto length = static_cast<std::uint32_t>(p->body().size());
  p->rtmp_headers = rtmp::fmt0_headers(info.csid, static_cast<std::uint8_t>(info.rtmp_type),
                                       timestamp, kPlayStreamId, length);
  p->rtmp_size = rtmp::chunked_size(p->rtmp_headers, length, kOutChunkSize);
  p->flv_header = flv::tag_header(info.flv_type, length, timestamp);
  p->flv_trailer = flv::previous_tag_size(length);
  p->flv_size = flv::kTagHeaderSize + length + flv::kPreviousTagSizeSize;
  return p;
}

PacketPtr make_control_packet(SharedBuffer wire) {
  auto p = std::make_shared<Packet>();
  p->kind = PacketKind::Control;
  p->rtmp_size = p->flv_size = wire.size();
  p->payload = std::move(wire);
  return p;
}

}  // namespace minirtc::media
