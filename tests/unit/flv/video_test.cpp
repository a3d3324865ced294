#include "flv/video.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "flv/demuxer.hpp"
#include "test_bits.hpp"
#include "tiny_flv.hpp"

namespace minirtc::flv {
namespace {

using Bytes = std::vector<std::uint8_t>;
using test::hex;

std::vector<Tag> tiny_tags(TagType type) {
  Demuxer d;
  std::vector<Tag> all, out;
  EXPECT_TRUE(d.feed(testdata::kTinyFlv, all));
  for (auto& t : all) {
    if (t.type == type) out.push_back(t);
  }
  return out;
}

TEST(FlvVideo, RealTagsFromFfmpeg) {
  const auto tags = tiny_tags(TagType::Video);
  ASSERT_EQ(tags.size(), 7u);
  struct Want {
    bool seq, key, eos;
    std::int32_t cts;
    std::size_t body;
  };
  const Want want[] = {{true, true, false, 0, 38},     {false, true, false, 200, 720},
                       {false, false, false, 300, 11}, {false, false, false, 100, 11},
                       {false, true, false, 200, 34},  {false, false, false, 200, 11},
                       {false, true, true, 0, 0}};
  for (std::size_t i = 0; i < tags.size(); ++i) {
    SCOPED_TRACE(i);
    auto v = parse_video_tag(tags[i].data.span());
    ASSERT_TRUE(v) << v.error().reason;
    EXPECT_EQ(v->codec_id, video_codec::kAvc);
    EXPECT_TRUE(v->is_avc());
    EXPECT_FALSE(v->enhanced);
    EXPECT_EQ(v->sequence_header(), want[i].seq);
    EXPECT_EQ(v->keyframe(), want[i].key);
    EXPECT_EQ(v->end_of_sequence(), want[i].eos);
    EXPECT_EQ(v->composition_time, want[i].cts);
    EXPECT_EQ(v->body.size(), want[i].body);
    EXPECT_EQ(v->body.data(), tags[i].data.data() + 5);  // a view, not a copy
  }
}

TEST(FlvVideo, FrameTypes) {
  for (std::uint8_t ft = 1; ft <= 5; ++ft) {
    const Bytes tag{static_cast<std::uint8_t>(ft << 4 | 7), 1, 0, 0, 0, 0xAA};
    auto v = parse_video_tag(tag);
    ASSERT_TRUE(v) << int(ft);
    EXPECT_EQ(v->frame_type, ft);
    EXPECT_EQ(v->keyframe(), ft == 1);
  }
  for (std::uint8_t ft : {0, 6, 7}) {
    const Bytes tag{static_cast<std::uint8_t>(ft << 4 | 7), 1, 0, 0, 0};
    EXPECT_FALSE(parse_video_tag(tag)) << int(ft);
  }
}

TEST(FlvVideo, CommandFrameHasNoAvcHeader) {
  const Bytes tag{0x57, 0x01};  // video info/command frame: end of client-side seek
  auto v = parse_video_tag(tag);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->frame_type, frame_type::kCommand);
  EXPECT_EQ(v->avc_packet_type, kNoPacketType);
  EXPECT_FALSE(v->sequence_header());
  EXPECT_FALSE(v->keyframe());
  ASSERT_EQ(v->body.size(), 1u);
  EXPECT_EQ(v->body[0], 1);
}

TEST(FlvVideo, NegativeCompositionTime) {
  auto v = parse_video_tag(hex("2701fffff6abcd"));
  ASSERT_TRUE(v);
  EXPECT_EQ(v->composition_time, -10);
  auto w = parse_video_tag(hex("27017fffff"));
  ASSERT_TRUE(w);
  EXPECT_EQ(w->composition_time, 0x7FFFFF);
  auto x = parse_video_tag(hex("2701800000"));
  ASSERT_TRUE(x);
  EXPECT_EQ(x->composition_time, -0x800000);
}

TEST(FlvVideo, HevcLegacyIsAcceptedAsOpaque) {
  auto v = parse_video_tag(hex("1c00000000010203"));
  ASSERT_TRUE(v);
  EXPECT_EQ(v->codec_id, video_codec::kHevc);
  EXPECT_TRUE(v->sequence_header());
  EXPECT_TRUE(v->keyframe());
  EXPECT_FALSE(v->is_avc());
  EXPECT_EQ(v->body.size(), 3u);
}

TEST(FlvVideo, OtherLegacyCodecsHaveNoPacketType) {
  for (std::uint8_t codec = 1; codec <= 6; ++codec) {
    const Bytes tag{static_cast<std::uint8_t>(0x10 | codec), 0x00, 0x11};
    auto v = parse_video_tag(tag);
    ASSERT_TRUE(v) << int(codec);
    EXPECT_EQ(v->avc_packet_type, kNoPacketType);
    EXPECT_FALSE(v->sequence_header());  // 0x00 after the header byte is data, not a packet type
    EXPECT_TRUE(v->keyframe());
    EXPECT_EQ(v->body.size(), 2u);
  }
  for (std::uint8_t codec : {0, 8, 9, 10, 11, 13, 14, 15}) {
    const Bytes tag{static_cast<std::uint8_t>(0x10 | codec), 0, 0, 0, 0};
    auto v = parse_video_tag(tag);
    ASSERT_FALSE(v) << int(codec);
    EXPECT_NE(v.error().reason.find("codec"), std::string::npos);
  }
}

TEST(FlvVideo, TruncatedAndBadAvcHeaders) {
  EXPECT_FALSE(parse_video_tag({}));
  for (const char* h : {"17", "1700", "170000", "17000000"})
    EXPECT_FALSE(parse_video_tag(hex(h))) << h;
  EXPECT_TRUE(parse_video_tag(hex("1700000000")));  // empty body is the caller's problem
  auto bad = parse_video_tag(hex("1703000000"));
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().reason.find("packet type"), std::string::npos);
}

TEST(FlvVideo, EnhancedHevcSequenceStartAndFrames) {
  // 0x90 = ex header, key frame, SequenceStart; FourCC hvc1.
  auto seq =
      parse_video_tag(hex("9068766331"
                          "01020304"));
  ASSERT_TRUE(seq) << seq.error().reason;
  EXPECT_TRUE(seq->enhanced);
  EXPECT_EQ(seq->fourcc, fourcc('h', 'v', 'c', '1'));
  EXPECT_EQ(seq->codec_id, video_codec::kHevc);
  EXPECT_TRUE(seq->sequence_header());
  EXPECT_TRUE(seq->keyframe());
  EXPECT_EQ(seq->body.size(), 4u);

  // CodedFrames carries a composition time for hvc1.
  auto frame =
      parse_video_tag(hex("9168766331"
                          "000028"
                          "abcd"));
  ASSERT_TRUE(frame);
  EXPECT_FALSE(frame->sequence_header());
  EXPECT_TRUE(frame->keyframe());
  EXPECT_EQ(frame->avc_packet_type, avc_packet::kNalu);
  EXPECT_EQ(frame->composition_time, 40);
  EXPECT_EQ(frame->body.size(), 2u);

  // CodedFramesX: no composition time. Inter frame (2 << 4).
  auto x =
      parse_video_tag(hex("A368766331"
                          "abcd"));
  ASSERT_TRUE(x);
  EXPECT_FALSE(x->keyframe());
  EXPECT_EQ(x->frame_type, frame_type::kInter);
  EXPECT_EQ(x->composition_time, 0);
  EXPECT_EQ(x->body.size(), 2u);

  auto end = parse_video_tag(hex("9268766331"));
  ASSERT_TRUE(end);
  EXPECT_TRUE(end->end_of_sequence());
}

TEST(FlvVideo, EnhancedAv1HasNoCompositionTime) {
  auto frame =
      parse_video_tag(hex("9161763031"
                          "0a0b0c"));
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->codec_id, kEnhancedCodecId);
  EXPECT_EQ(frame->fourcc, fourcc('a', 'v', '0', '1'));
  EXPECT_EQ(frame->composition_time, 0);
  EXPECT_EQ(frame->body.size(), 3u);
  auto meta =
      parse_video_tag(hex("9476703039"
                          "02"));
  ASSERT_TRUE(meta);
  EXPECT_EQ(meta->avc_packet_type, kNoPacketType);
  EXPECT_FALSE(meta->sequence_header());
}

TEST(FlvVideo, EnhancedUnsupportedAndTruncated) {
  auto multitrack = parse_video_tag(hex("9668766331"));
  ASSERT_FALSE(multitrack);
  EXPECT_NE(multitrack.error().reason.find("unsupported"), std::string::npos);
  auto modex = parse_video_tag(hex("9768766331"));
  ASSERT_FALSE(modex);
  EXPECT_NE(modex.error().reason.find("unsupported"), std::string::npos);
  EXPECT_FALSE(parse_video_tag(hex("98687663")));      // packet type 8: invalid
  EXPECT_FALSE(parse_video_tag(hex("906876")));        // FourCC cut short
  EXPECT_FALSE(parse_video_tag(hex("916876633100")));  // hvc1 CodedFrames, composition time cut
  EXPECT_FALSE(parse_video_tag(hex("8068766331")));    // frame type 0
}

TEST(FlvVideo, EveryPrefixOfARealTagIsHandled) {
  const auto tags = tiny_tags(TagType::Video);
  const auto& t = tags[1].data;
  for (std::size_t n = 0; n < 5; ++n) EXPECT_FALSE(parse_video_tag(t.span().first(n))) << n;
  for (std::size_t n = 5; n <= t.size(); ++n) {
    auto v = parse_video_tag(t.span().first(n));
    ASSERT_TRUE(v) << n;
    EXPECT_EQ(v->body.size(), n - 5);
  }
}

}  // namespace
}  // namespace minirtc::flv
