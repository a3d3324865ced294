// The GOP cache: frames since the last keyframe, bounded by packets, bytes and duration.

#include "media/gop_cache.hpp"

#include <gtest/gtest.h>

#include "unit/media/media_test_support.hpp"

namespace minirtc::media {
namespace {

using namespace fakes;

TEST(GopCache, EmptyUntilTheFirstKeyframe) {
  GopCache gop;
  gop.push(audio_packet(0));
  gop.push(inter_packet(10));
  gop.push(audio_packet(20));
  EXPECT_TRUE(gop.packets().empty());
  EXPECT_FALSE(gop.has_keyframe());
  EXPECT_EQ(gop.bytes(), 0u);

  auto key = key_packet(40);
  gop.push(key);
  ASSERT_EQ(gop.packets().size(), 1u);
  EXPECT_EQ(gop.packets().front(), key);
  EXPECT_TRUE(gop.has_keyframe());
}

TEST(GopCache, KeepsAudioAndVideoSinceTheLastKeyframeInOrder) {
  GopCache gop;
  std::vector<PacketPtr> expect;
  gop.push(key_packet(0));
  gop.push(inter_packet(40));
  gop.push(audio_packet(45));
  // A new keyframe starts a new GOP.
  expect.push_back(key_packet(80));
  expect.push_back(audio_packet(85));
  expect.push_back(inter_packet(120));
  expect.push_back(inter_packet(160));
  std::size_t bytes = 0;
  for (auto& p : expect) {
    gop.push(p);
    bytes += p->payload.size();
  }
  ASSERT_EQ(gop.packets().size(), expect.size());
  for (std::size_t i = 0; i < expect.size(); ++i) EXPECT_EQ(gop.packets()[i], expect[i]);
  EXPECT_EQ(gop.bytes(), bytes);  // payload bytes, not wire bytes
}

TEST(GopCache, IgnoresWhatIsNotDroppableMedia) {
  GopCache gop;
  gop.push(key_packet(0));
  gop.push(video_header_packet(1));
  gop.push(audio_header_packet(1));
  gop.push(metadata_packet(1));
  gop.push(control_packet());
  EXPECT_EQ(gop.packets().size(), 1u);
  // A sequence header is flagged keyframe (frame type 1) but must not reset the GOP.
  EXPECT_TRUE(gop.packets().front()->keyframe);
  EXPECT_FALSE(gop.packets().front()->sequence_header);
}

TEST(GopCache, BoundedByPackets) {
  GopCache gop(GopLimits{4, 1u << 20, 100000});
  gop.push(key_packet(0));
  for (int i = 1; i < 4; ++i) gop.push(inter_packet(i * 10));
  EXPECT_EQ(gop.packets().size(), 4u);
  gop.push(inter_packet(40));  // fifth: too long a GOP
  EXPECT_TRUE(gop.packets().empty());
  EXPECT_FALSE(gop.has_keyframe());
  EXPECT_EQ(gop.bytes(), 0u);
  // Stays empty until the next keyframe.
  gop.push(inter_packet(50));
  gop.push(audio_packet(55));
  EXPECT_TRUE(gop.packets().empty());
  gop.push(key_packet(60));
  EXPECT_EQ(gop.packets().size(), 1u);
}

TEST(GopCache, BoundedByBytes) {
  GopCache gop(GopLimits{1000, 100, 100000});
  gop.push(key_packet(0, 45));     // 50 payload bytes
  gop.push(inter_packet(10, 45));  // 100: at the bound
  EXPECT_EQ(gop.packets().size(), 2u);
  EXPECT_EQ(gop.bytes(), 100u);
  gop.push(audio_packet(20, 0));  // 102
  EXPECT_TRUE(gop.packets().empty());
  gop.push(inter_packet(30));
  EXPECT_TRUE(gop.packets().empty());
  // A keyframe bigger than the bound alone is not cached either.
  gop.push(key_packet(40, 200));
  EXPECT_TRUE(gop.packets().empty());
  EXPECT_FALSE(gop.has_keyframe());
}

TEST(GopCache, BoundedByDuration) {
  GopCache gop(GopLimits{1000, 1u << 20, 1000});
  gop.push(key_packet(5000));
  gop.push(audio_packet(5500));
  gop.push(inter_packet(6000));  // exactly 1000 ms: kept
  EXPECT_EQ(gop.packets().size(), 3u);
  gop.push(audio_packet(6001));
  EXPECT_TRUE(gop.packets().empty());
  gop.push(inter_packet(6040));
  EXPECT_TRUE(gop.packets().empty());
  gop.push(key_packet(7000));
  EXPECT_EQ(gop.packets().size(), 1u);
}

TEST(GopCache, ClearWaitsForTheNextKeyframe) {
  GopCache gop;
  gop.push(key_packet(0));
  gop.push(inter_packet(40));
  gop.clear();
  EXPECT_TRUE(gop.packets().empty());
  EXPECT_EQ(gop.bytes(), 0u);
  EXPECT_FALSE(gop.has_keyframe());
  gop.push(inter_packet(80));
  EXPECT_TRUE(gop.packets().empty());
  gop.push(key_packet(120));
  EXPECT_EQ(gop.packets().size(), 1u);
}

}  // namespace
}  // namespace minirtc::media
