#include "media/packet.hpp"

#include <vector>

#include "flv/tag.hpp"
#include "rtmp/chunk_encoder.hpp"
#include "rtmp/message.hpp"

namespace minirtc::media {

namespace {
// Each message is encoded with a full (fmt0) header, so the encoding does not depend on what a
// given viewer was sent before and can be shared.
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
  const auto info = info_of(kind);

  std::vector<std::uint8_t> rtmp;
  rtmp.reserve(payload.size() + 16 + 5 * (payload.size() / kOutChunkSize));
  rtmp::encode_message(info.csid, static_cast<std::uint8_t>(info.rtmp_type), timestamp,
                       kPlayStreamId, payload.span(), kOutChunkSize, rtmp);
  p->rtmp_wire = SharedBuffer(std::move(rtmp));

  std::vector<std::uint8_t> flv;
  flv.reserve(payload.size() + flv::kTagHeaderSize + 4);
  flv::write_tag(info.flv_type, timestamp, payload.span(), flv);
  p->flv_wire = SharedBuffer(std::move(flv));

  p->payload = std::move(payload);
  return p;
}

PacketPtr make_control_packet(SharedBuffer wire) {
  auto p = std::make_shared<Packet>();
  p->kind = PacketKind::Control;
  p->rtmp_wire = wire;
  p->flv_wire = std::move(wire);
  return p;
}

}  // namespace minirtc::media
