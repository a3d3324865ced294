// Shared packets: their RTMP and FLV wire forms (headers kept in the packet around slices of the
// shared payload) decode with our own decoders exactly as a viewer would decode them.

#include "media/packet.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "flv/demuxer.hpp"
#include "flv/tag.hpp"
#include "rtmp/chunk_decoder.hpp"
#include "rtmp/chunk_encoder.hpp"
#include "rtmp/message.hpp"
#include "unit/media/media_test_support.hpp"

namespace minirtc::media {
namespace {

using namespace fakes;

std::vector<std::uint8_t> pattern(std::size_t n, std::uint8_t seed = 1) {
  std::vector<std::uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>(i * 31 + seed);
  return v;
}

// What a viewer's decoder sees: our SetChunkSize(kOutChunkSize) first, then the shared bytes.
std::vector<rtmp::Message> decode_rtmp(const std::vector<PacketPtr>& packets) {
  std::vector<std::uint8_t> bytes;
  const std::vector<std::uint8_t> size{static_cast<std::uint8_t>(kOutChunkSize >> 24),
                                       static_cast<std::uint8_t>(kOutChunkSize >> 16),
                                       static_cast<std::uint8_t>(kOutChunkSize >> 8),
                                       static_cast<std::uint8_t>(kOutChunkSize)};
  rtmp::encode_message(rtmp::kCsidProtocolControl, rtmp::to_u8(rtmp::MessageType::SetChunkSize), 0,
                       0, size, rtmp::kDefaultChunkSize, bytes);
  for (auto& p : packets) {
    auto w = wire_bytes(*p, WireFormat::Rtmp);
    bytes.insert(bytes.end(), w.begin(), w.end());
  }
  rtmp::ChunkDecoder decoder;
  std::vector<rtmp::Message> out;
  auto st = decoder.feed(bytes, out);
  EXPECT_TRUE(st.ok()) << (st.ok() ? "" : st.error().reason);
  EXPECT_EQ(decoder.chunk_size(), kOutChunkSize);
  EXPECT_FALSE(out.empty());
  if (!out.empty()) out.erase(out.begin());  // the SetChunkSize
  return out;
}

std::vector<flv::Tag> decode_flv(const std::vector<PacketPtr>& packets) {
  std::vector<std::uint8_t> bytes;
  auto header = flv::file_header(true, true);
  bytes.insert(bytes.end(), header.begin(), header.end());
  for (auto& p : packets) {
    auto w = wire_bytes(*p, WireFormat::Flv);
    bytes.insert(bytes.end(), w.begin(), w.end());
  }
  flv::Demuxer demuxer;
  std::vector<flv::Tag> out;
  auto st = demuxer.feed(bytes, out);
  EXPECT_TRUE(st.ok()) << (st.ok() ? "" : st.error().reason);
  EXPECT_TRUE(demuxer.at_tag_boundary());
  return out;
}

struct WireCase {
  PacketKind kind;
  std::uint32_t timestamp;
  std::size_t size;
};

class PacketWireTest : public ::testing::TestWithParam<WireCase> {};

TEST_P(PacketWireTest, RtmpAndFlvWireDecodeToTheSameMessage) {
  const auto c = GetParam();
  const auto bytes = pattern(c.size, static_cast<std::uint8_t>(c.size));
  auto payload = SharedBuffer(bytes);
  const auto* payload_data = payload.data();
  auto p = make_media_packet(c.kind, c.timestamp, false, false, payload);

  EXPECT_EQ(p->kind, c.kind);
  EXPECT_EQ(p->timestamp, c.timestamp);
  // The payload is the publisher's buffer itself, not a copy.
  EXPECT_EQ(p->payload.data(), payload_data);

  std::uint8_t rtmp_type = 0;
  std::uint32_t csid = 0;
  flv::TagType flv_type{};
  switch (c.kind) {
    case PacketKind::Audio:
      rtmp_type = 8, csid = rtmp::kCsidAudio, flv_type = flv::TagType::Audio;
      break;
    case PacketKind::Video:
      rtmp_type = 9, csid = rtmp::kCsidVideo, flv_type = flv::TagType::Video;
      break;
    default:
      rtmp_type = 18, csid = rtmp::kCsidData, flv_type = flv::TagType::Script;
      break;
  }

  auto msgs = decode_rtmp({p});
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].type, rtmp_type);
  EXPECT_EQ(msgs[0].csid, csid);
  EXPECT_EQ(msgs[0].timestamp, c.timestamp);
  EXPECT_EQ(msgs[0].stream_id, kPlayStreamId);
  EXPECT_EQ(msgs[0].payload.view(), payload.view());

  // fmt0 header (1 + 11), extended timestamp on the first and every continuation chunk, one fmt3
  // byte per continuation chunk.
  const bool ext = c.timestamp >= 0xFFFFFF;
  const std::size_t chunks = c.size == 0 ? 1 : (c.size + kOutChunkSize - 1) / kOutChunkSize;
  const std::size_t rtmp_size = 12 + (ext ? 4 : 0) + c.size + (chunks - 1) * (1 + (ext ? 4 : 0));
  EXPECT_EQ(p->wire_size(WireFormat::Rtmp), rtmp_size);
  EXPECT_EQ(wire_bytes(*p, WireFormat::Rtmp).size(), rtmp_size);
  // Header, then chunk and continuation header in turn: two pieces a chunk, one for an empty body.
  EXPECT_EQ(p->wire_pieces(WireFormat::Rtmp), c.size == 0 ? 1 : 2 * chunks);
  // Every payload piece is a view of the publisher's buffer, not a copy.
  std::size_t payload_pieces = 0;
  p->for_each_wire_piece(WireFormat::Rtmp, [&](std::span<const std::uint8_t> piece) {
    if (piece.data() >= payload_data && piece.data() < payload_data + c.size) {
      EXPECT_EQ(piece.data(), payload_data + payload_pieces * kOutChunkSize);
      ++payload_pieces;
    }
  });
  EXPECT_EQ(payload_pieces, c.size == 0 ? 0 : chunks);

  auto tags = decode_flv({p});
  ASSERT_EQ(tags.size(), 1u);
  EXPECT_EQ(tags[0].type, flv_type);
  EXPECT_EQ(tags[0].timestamp, c.timestamp);
  EXPECT_EQ(tags[0].data.view(), payload.view());
  const std::size_t flv_size = flv::kTagHeaderSize + c.size + flv::kPreviousTagSizeSize;
  EXPECT_EQ(p->wire_size(WireFormat::Flv), flv_size);
  EXPECT_EQ(wire_bytes(*p, WireFormat::Flv).size(), flv_size);
  EXPECT_EQ(p->wire_pieces(WireFormat::Flv), c.size == 0 ? 2u : 3u);
}

INSTANTIATE_TEST_SUITE_P(
    Kinds, PacketWireTest,
    ::testing::Values(WireCase{PacketKind::Audio, 0, 0}, WireCase{PacketKind::Audio, 40, 7},
                      WireCase{PacketKind::Video, 1000, 5000},
                      WireCase{PacketKind::Video, 0xFFFFFE, kOutChunkSize},
                      WireCase{PacketKind::Video, 0xFFFFFF, kOutChunkSize + 1},
                      WireCase{PacketKind::Video, 0x12345678, 150000},
                      WireCase{PacketKind::Video, 0xFFFFFFFF, 3 * kOutChunkSize},
                      WireCase{PacketKind::Metadata, 0, 300},
                      WireCase{PacketKind::Audio, 0x01000000, 2 * kOutChunkSize + 17}));

TEST(Packet, ManyPacketsOnOneConnectionDecodeInOrder) {
  // Every packet is self-contained (fmt0), so any sequence of shared packets is a valid stream
  // for any viewer whatever it was sent before.
  std::vector<PacketPtr> packets;
  std::uint32_t ts = 0xFFFF00;
  for (int i = 0; i < 12; ++i) {
    const auto kind = i % 3 == 0   ? PacketKind::Video
                      : i % 3 == 1 ? PacketKind::Audio
                                   : PacketKind::Metadata;
    const std::size_t size = i == 5 ? 70000 : 10 + static_cast<std::size_t>(i) * 3;
    packets.push_back(make_media_packet(kind, ts, false, false,
                                        SharedBuffer(pattern(size, static_cast<std::uint8_t>(i)))));
    ts += 40;  // crosses 0xFFFFFF
  }
  // A viewer that joins late starts in the middle.
  for (std::size_t start : {0u, 4u}) {
    std::vector<PacketPtr> sub(packets.begin() + static_cast<std::ptrdiff_t>(start), packets.end());
    auto msgs = decode_rtmp(sub);
    auto tags = decode_flv(sub);
    ASSERT_EQ(msgs.size(), sub.size());
    ASSERT_EQ(tags.size(), sub.size());
    for (std::size_t i = 0; i < sub.size(); ++i) {
      EXPECT_EQ(msgs[i].timestamp, sub[i]->timestamp);
      EXPECT_EQ(msgs[i].payload.view(), sub[i]->payload.view());
      EXPECT_EQ(tags[i].timestamp, sub[i]->timestamp);
      EXPECT_EQ(tags[i].data.view(), sub[i]->payload.view());
    }
  }
}

TEST(Packet, FlagsAndDroppable) {
  auto key = make_media_packet(PacketKind::Video, 5, true, false, key_body());
  EXPECT_TRUE(key->keyframe);
  EXPECT_FALSE(key->sequence_header);
  EXPECT_TRUE(key->droppable());
  EXPECT_TRUE(inter_packet(0)->droppable());
  EXPECT_TRUE(audio_packet(0)->droppable());
  EXPECT_FALSE(video_header_packet()->droppable());
  EXPECT_TRUE(video_header_packet()->sequence_header);
  EXPECT_FALSE(audio_header_packet()->droppable());
  EXPECT_FALSE(metadata_packet()->droppable());
  EXPECT_FALSE(control_packet()->droppable());
}

TEST(Packet, WireFormsMatchTheContiguousEncoders) {
  // The pieces of each form are byte for byte what the RTMP chunk encoder and the FLV tag writer
  // produce for the same message (what the packets were before they kept only headers).
  for (std::size_t size : {std::size_t{0}, std::size_t{9}, std::size_t{kOutChunkSize},
                           std::size_t{2 * kOutChunkSize + 1}}) {
    for (std::uint32_t ts : {0u, 0xFFFFFFu, 0x89ABCDEFu}) {
      const auto bytes = pattern(size);
      auto p = make_media_packet(PacketKind::Video, ts, true, false, SharedBuffer(bytes));
      std::vector<std::uint8_t> rtmp;
      rtmp::encode_message(rtmp::kCsidVideo, rtmp::to_u8(rtmp::MessageType::Video), ts,
                           kPlayStreamId, bytes, kOutChunkSize, rtmp);
      EXPECT_EQ(wire_bytes(*p, WireFormat::Rtmp), rtmp) << size << " " << ts;
      std::vector<std::uint8_t> flv;
      flv::write_tag(flv::TagType::Video, ts, bytes, flv);
      EXPECT_EQ(wire_bytes(*p, WireFormat::Flv), flv) << size << " " << ts;
    }
  }
}

TEST(Packet, LargestMessageFitsTheIovecBudget) {
  // A message at the RTMP length limit is the packet with the most pieces.
  auto p = make_media_packet(PacketKind::Video, 0, true, false,
                             SharedBuffer(std::vector<std::uint8_t>(rtmp::kMaxMessageLength)));
  EXPECT_EQ(p->wire_pieces(WireFormat::Rtmp), kMaxPiecesPerPacket);
  EXPECT_EQ(wire_bytes(*p, WireFormat::Rtmp).size(), p->wire_size(WireFormat::Rtmp));
}

TEST(Packet, ControlPacketSharesItsBytesAsIs) {
  SharedBuffer wire(std::vector<std::uint8_t>{1, 2, 3, 4, 5});
  auto p = make_control_packet(wire);
  EXPECT_EQ(p->kind, PacketKind::Control);
  for (auto f : {WireFormat::Rtmp, WireFormat::Flv}) {
    EXPECT_EQ(p->wire_pieces(f), 1u);
    EXPECT_EQ(p->wire_size(f), 5u);
    p->for_each_wire_piece(f, [&](std::span<const std::uint8_t> piece) {
      EXPECT_EQ(piece.data(), wire.data());
      EXPECT_EQ(piece.size(), 5u);
    });
  }
  EXPECT_EQ(p->timestamp, 0u);
}

}  // namespace
}  // namespace minirtc::media
