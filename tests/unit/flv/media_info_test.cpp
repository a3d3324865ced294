#include "flv/media_info.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "flv/demuxer.hpp"
#include "test_bits.hpp"
#include "tiny_flv.hpp"

namespace minirtc::flv {
namespace {

using test::hex;

TEST(FlvMediaInfo, FromTheRealFile) {
  Demuxer d;
  std::vector<Tag> tags;
  ASSERT_TRUE(d.feed(testdata::kTinyFlv, tags));
  MediaInfo info;
  for (const auto& t : tags) ASSERT_TRUE(update_media_info(info, t.type, t.data.span()));
  EXPECT_TRUE(info.has_video);
  EXPECT_EQ(info.video_codec, "H.264");
  EXPECT_EQ(info.video_profile, "Main");
  EXPECT_EQ(info.video_level, 10);
  EXPECT_EQ(info.width, 64u);
  EXPECT_EQ(info.height, 48u);
  EXPECT_TRUE(info.has_audio);
  EXPECT_EQ(info.audio_codec, "AAC");
  EXPECT_EQ(info.audio_profile, "LC");
  EXPECT_EQ(info.sample_rate, 22050u);
  EXPECT_EQ(info.channels, 1);
  EXPECT_EQ(describe(info), "H.264 Main 1.0 64x48 10fps, AAC LC 22050 Hz 1ch");
}

TEST(FlvMediaInfo, ProfileNames) {
  EXPECT_EQ(h264_profile_name(66, 0xC0), "Constrained Baseline");
  EXPECT_EQ(h264_profile_name(66, 0x80), "Baseline");
  EXPECT_EQ(h264_profile_name(77, 0x40), "Main");
  EXPECT_EQ(h264_profile_name(100, 0), "High");
  EXPECT_EQ(h264_profile_name(110, 0), "High 10");
  EXPECT_EQ(h264_profile_name(122, 0), "High 4:2:2");
  EXPECT_EQ(h264_profile_name(244, 0), "High 4:4:4 Predictive");
  EXPECT_EQ(h264_profile_name(244, 0x10), "High 4:4:4 Intra");
  EXPECT_EQ(h264_profile_name(1, 0), "Unknown");
  EXPECT_EQ(aac_profile_name(2, false, false), "LC");
  EXPECT_EQ(aac_profile_name(2, true, false), "HE-AAC");
  EXPECT_EQ(aac_profile_name(2, true, true), "HE-AACv2");
  EXPECT_EQ(aac_profile_name(1, false, false), "Main");
}

TEST(FlvMediaInfo, HeAacAndBadHeaders) {
  MediaInfo info;
  ASSERT_TRUE(update_media_info(info, TagType::Audio, hex("af002b920800")));
  EXPECT_EQ(info.audio_profile, "HE-AAC");
  EXPECT_EQ(info.sample_rate, 44100u);
  EXPECT_EQ(info.channels, 2);
  // A broken sequence header is reported and leaves what was known.
  EXPECT_FALSE(update_media_info(info, TagType::Audio, hex("af000010")));
  EXPECT_EQ(info.sample_rate, 44100u);
  EXPECT_FALSE(update_media_info(info, TagType::Video,
                                 hex("1700000000"
                                     "00")));
  EXPECT_FALSE(update_media_info(info, TagType::Video, {}));
  EXPECT_FALSE(info.has_video);
  // Frames and script tags change nothing.
  EXPECT_TRUE(update_media_info(info, TagType::Audio, hex("af01aabb")));
  EXPECT_TRUE(update_media_info(info, TagType::Script, hex("02")));
  EXPECT_EQ(describe(info), "AAC HE-AAC 44100 Hz 2ch");
}

TEST(FlvMediaInfo, OtherCodecs) {
  MediaInfo info;
  EXPECT_EQ(describe(info), "no media");
  ASSERT_TRUE(update_media_info(info, TagType::Audio, hex("2f00")));  // MP3 44k stereo
  EXPECT_EQ(info.audio_codec, "MP3");
  EXPECT_EQ(info.sample_rate, 44100u);
  EXPECT_EQ(info.channels, 2);
  ASSERT_TRUE(update_media_info(info, TagType::Video, hex("2200")));  // Sorenson inter frame
  EXPECT_EQ(info.video_codec, "Sorenson H.263");
  ASSERT_TRUE(update_media_info(info, TagType::Video,
                                hex("9068766331"
                                    "01")));
  EXPECT_EQ(info.video_codec, "HEVC");
  EXPECT_EQ(info.width, 0u);
  ASSERT_TRUE(update_media_info(info, TagType::Audio,
                                hex("904f707573"
                                    "01")));
  EXPECT_EQ(info.audio_codec, "Opus");
  EXPECT_EQ(describe(info), "HEVC, Opus");
}

}  // namespace
}  // namespace minirtc::flv
