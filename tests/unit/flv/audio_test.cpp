#include "flv/audio.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "flv/demuxer.hpp"
#include "test_bits.hpp"
#include "tiny_flv.hpp"

namespace minirtc::flv {
namespace {

using Bytes = std::vector<std::uint8_t>;
using test::hex;

TEST(FlvAudio, RealTagsFromFfmpeg) {
  Demuxer d;
  std::vector<Tag> all;
  ASSERT_TRUE(d.feed(testdata::kTinyFlv, all));
  int seen = 0;
  for (const auto& t : all) {
    if (t.type != TagType::Audio) continue;
    auto a = parse_audio_tag(t.data.span());
    ASSERT_TRUE(a) << a.error().reason;
    // ffmpeg writes 0xAF for AAC: 44 kHz, 16 bit, stereo, whatever the real stream is.
    EXPECT_EQ(a->sound_format, sound_format::kAac);
    EXPECT_TRUE(a->is_aac());
    EXPECT_EQ(a->sound_rate, 3);
    EXPECT_EQ(a->sound_size, 1);
    EXPECT_EQ(a->sound_type, 1);
    EXPECT_EQ(a->sequence_header(), seen == 0);
    EXPECT_EQ(a->aac_packet_type, seen == 0 ? aac_packet::kSequenceHeader : aac_packet::kRaw);
    EXPECT_EQ(a->body.size(), t.data.size() - 2);
    if (seen == 0) {
      EXPECT_EQ(Bytes(a->body.begin(), a->body.end()), hex("138856e500"));
    }
    ++seen;
  }
  EXPECT_EQ(seen, 13);
}

TEST(FlvAudio, LegacyFormatsHaveNoPacketType) {
  // MP3, 44 kHz, 16 bit, stereo.
  auto mp3 = parse_audio_tag(hex("2f0011"));
  ASSERT_TRUE(mp3);
  EXPECT_EQ(mp3->sound_format, sound_format::kMp3);
  EXPECT_EQ(mp3->aac_packet_type, kNoAudioPacketType);
  EXPECT_FALSE(mp3->sequence_header());  // the 0x00 is MP3 data
  EXPECT_FALSE(mp3->is_aac());
  EXPECT_EQ(mp3->body.size(), 2u);
  // G.711 mu-law, 5.5 kHz field, 8 bit, mono.
  auto g711 = parse_audio_tag(hex("80"));
  ASSERT_TRUE(g711);
  EXPECT_EQ(g711->sound_format, sound_format::kG711MuLaw);
  EXPECT_EQ(g711->sound_rate, 0);
  EXPECT_EQ(g711->sound_size, 0);
  EXPECT_EQ(g711->sound_type, 0);
  EXPECT_TRUE(g711->body.empty());
  // Speex, 16 kHz mono (rate bits say 5.5k).
  auto speex = parse_audio_tag(hex("b2aa"));
  ASSERT_TRUE(speex);
  EXPECT_EQ(speex->sound_format, sound_format::kSpeex);
  EXPECT_EQ(speex->sound_size, 1);
}

TEST(FlvAudio, BitFields) {
  for (int byte = 0; byte < 256; ++byte) {
    const Bytes tag{static_cast<std::uint8_t>(byte), 1, 0};
    auto a = parse_audio_tag(tag);
    const int format = byte >> 4;
    if (format == 12 || format == 13) {
      EXPECT_FALSE(a) << byte;
      continue;
    }
    if (format == 9) continue;  // enhanced: covered below
    ASSERT_TRUE(a) << byte;
    EXPECT_EQ(a->sound_format, format);
    EXPECT_EQ(a->sound_rate, (byte >> 2) & 3);
    EXPECT_EQ(a->sound_size, (byte >> 1) & 1);
    EXPECT_EQ(a->sound_type, byte & 1);
  }
}

TEST(FlvAudio, AacErrors) {
  EXPECT_FALSE(parse_audio_tag({}));
  auto truncated = parse_audio_tag(hex("af"));
  ASSERT_FALSE(truncated);
  EXPECT_NE(truncated.error().reason.find("truncated"), std::string::npos);
  auto bad = parse_audio_tag(hex("af02"));
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().reason.find("packet type"), std::string::npos);
  auto empty_raw = parse_audio_tag(hex("af01"));
  ASSERT_TRUE(empty_raw);
  EXPECT_TRUE(empty_raw->body.empty());
}

TEST(FlvAudio, Enhanced) {
  auto seq =
      parse_audio_tag(hex("904f707573"
                          "0102"));
  ASSERT_TRUE(seq) << seq.error().reason;
  EXPECT_TRUE(seq->enhanced);
  EXPECT_EQ(seq->fourcc, fourcc('O', 'p', 'u', 's'));
  EXPECT_TRUE(seq->sequence_header());
  EXPECT_FALSE(seq->is_aac());
  EXPECT_EQ(seq->body.size(), 2u);

  auto aac =
      parse_audio_tag(hex("906d703461"
                          "1210"));
  ASSERT_TRUE(aac);
  EXPECT_TRUE(aac->is_aac());
  EXPECT_TRUE(aac->sequence_header());

  auto frame =
      parse_audio_tag(hex("916d703461"
                          "21"));
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->aac_packet_type, aac_packet::kRaw);

  auto end = parse_audio_tag(hex("926d703461"));
  ASSERT_TRUE(end);
  EXPECT_EQ(end->aac_packet_type, kNoAudioPacketType);

  for (const char* h : {"956d703461", "976d703461"}) {
    auto r = parse_audio_tag(hex(h));
    ASSERT_FALSE(r) << h;
    EXPECT_NE(r.error().reason.find("unsupported"), std::string::npos);
  }
  EXPECT_FALSE(parse_audio_tag(hex("906d7034")));
}

}  // namespace
}  // namespace minirtc::flv
