#include "flv/aac.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "test_bits.hpp"

namespace minirtc::flv {
namespace {

using Bytes = std::vector<std::uint8_t>;
using test::BitWriter;
using test::hex;

// AudioSpecificConfigs from ffmpeg's native AAC encoder (the body of the AAC sequence-header tag
// of `ffmpeg -f lavfi -i sine=... -c:a aac -ar R -ac C -f flv`). ffmpeg appends the
// backward-compatible SBR sync extension (0x2B7, object type 5, sbrPresentFlag = 0).
struct RealAsc {
  const char* hex;
  std::uint32_t rate;
  std::uint8_t index, channels;
};
const RealAsc kRealAsc[] = {
    {"121056e500", 44100, 4, 2}, {"118856e500", 48000, 3, 1}, {"140856e500", 16000, 8, 1},
    {"11b056e500", 48000, 3, 6}, {"138856e500", 22050, 7, 1},
};

TEST(FlvAac, RealConfigsFromFfmpeg) {
  for (const auto& want : kRealAsc) {
    SCOPED_TRACE(want.hex);
    auto cfg = parse_audio_specific_config(hex(want.hex));
    ASSERT_TRUE(cfg) << cfg.error().reason;
    EXPECT_EQ(cfg->object_type, aac_object::kLc);
    EXPECT_EQ(cfg->core_object_type, aac_object::kLc);
    EXPECT_EQ(cfg->sample_rate, want.rate);
    EXPECT_EQ(cfg->core_sample_rate, want.rate);
    EXPECT_EQ(cfg->sample_rate_index, want.index);
    EXPECT_EQ(cfg->channels, want.channels);
    EXPECT_EQ(cfg->channel_config, want.channels);
    EXPECT_FALSE(cfg->sbr);
    EXPECT_FALSE(cfg->ps);
    // Without the extension the same core config results.
    auto short_cfg = parse_audio_specific_config(hex(std::string(want.hex).substr(0, 4)));
    ASSERT_TRUE(short_cfg);
    EXPECT_EQ(short_cfg->sample_rate, want.rate);
    EXPECT_EQ(short_cfg->channels, want.channels);
  }
}

TEST(FlvAac, ExplicitHeAac) {
  // AOT 5, core 22050 Hz stereo, SBR at 44100 Hz, core AOT 2: the classic HE-AAC v1 config.
  auto cfg = parse_audio_specific_config(hex("2b920800"));
  ASSERT_TRUE(cfg) << cfg.error().reason;
  EXPECT_EQ(cfg->object_type, aac_object::kSbr);
  EXPECT_EQ(cfg->core_object_type, aac_object::kLc);
  EXPECT_TRUE(cfg->sbr);
  EXPECT_FALSE(cfg->ps);
  EXPECT_EQ(cfg->sample_rate, 44100u);
  EXPECT_EQ(cfg->core_sample_rate, 22050u);
  EXPECT_EQ(cfg->sample_rate_index, 7);  // the core's, as ADTS wants
  EXPECT_EQ(cfg->channels, 2);
}

TEST(FlvAac, ExplicitHeAacV2) {
  // AOT 29, core 24000 Hz mono, extension 48000 Hz, core AOT 2.
  auto cfg = parse_audio_specific_config(hex("eb098800"));
  ASSERT_TRUE(cfg) << cfg.error().reason;
  EXPECT_EQ(cfg->object_type, aac_object::kPs);
  EXPECT_TRUE(cfg->sbr);
  EXPECT_TRUE(cfg->ps);
  EXPECT_EQ(cfg->sample_rate, 48000u);
  EXPECT_EQ(cfg->core_sample_rate, 24000u);
  EXPECT_EQ(cfg->channel_config, 1);
  EXPECT_EQ(cfg->channels, 2);  // parametric stereo
}

TEST(FlvAac, ExplicitHeAacWithExplicitRates) {
  BitWriter w;
  w.bits(5, 5).bits(15, 4).bits(22000, 24).bits(2, 4).bits(15, 4).bits(44000, 24).bits(2, 5).bits(
      0, 3);
  auto cfg = parse_audio_specific_config(w.bytes());
  ASSERT_TRUE(cfg) << cfg.error().reason;
  EXPECT_EQ(cfg->sample_rate, 44000u);
  EXPECT_EQ(cfg->core_sample_rate, 22000u);
  EXPECT_EQ(cfg->sample_rate_index, 15);
}

TEST(FlvAac, ExplicitHeAacBadCore) {
  for (std::uint32_t core : {0u, 5u, 29u}) {
    BitWriter w;
    w.bits(5, 5).bits(6, 4).bits(2, 4).bits(3, 4).bits(core, 5).bits(0, 3);
    auto cfg = parse_audio_specific_config(w.bytes());
    ASSERT_FALSE(cfg) << core;
    EXPECT_NE(cfg.error().reason.find("core object type"), std::string::npos);
  }
  EXPECT_FALSE(parse_audio_specific_config(hex("2b92")));  // core type cut off
}

Bytes backward_compatible(bool sbr, bool ps) {
  BitWriter w;
  w.bits(2, 5).bits(6, 4).bits(ps ? 1 : 2, 4).bits(0, 3);  // LC 24000 Hz, GASpecificConfig
  w.bits(0x2B7, 11).bits(5, 5).bit(sbr);
  if (sbr) {
    w.bits(3, 4);  // 48000 Hz
    if (ps) w.bits(0x548, 11).bit(true);
  }
  while (w.bit_count() % 8) w.bit(false);
  return w.bytes();
}

TEST(FlvAac, BackwardCompatibleSbrSignalling) {
  auto cfg = parse_audio_specific_config(backward_compatible(true, false));
  ASSERT_TRUE(cfg) << cfg.error().reason;
  EXPECT_EQ(cfg->object_type, aac_object::kLc);
  EXPECT_TRUE(cfg->sbr);
  EXPECT_FALSE(cfg->ps);
  EXPECT_EQ(cfg->sample_rate, 48000u);
  EXPECT_EQ(cfg->core_sample_rate, 24000u);
  EXPECT_EQ(cfg->sample_rate_index, 6);
  EXPECT_EQ(cfg->channels, 2);

  auto v2 = parse_audio_specific_config(backward_compatible(true, true));
  ASSERT_TRUE(v2) << v2.error().reason;
  EXPECT_TRUE(v2->sbr);
  EXPECT_TRUE(v2->ps);
  EXPECT_EQ(v2->channels, 2);

  auto none = parse_audio_specific_config(backward_compatible(false, false));
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->sbr);
  EXPECT_EQ(none->sample_rate, 24000u);
}

TEST(FlvAac, AllSampleRateIndices) {
  const std::uint32_t rates[] = {96000, 88200, 64000, 48000, 44100, 32000, 24000,
                                 22050, 16000, 12000, 11025, 8000,  7350};
  for (std::uint8_t i = 0; i < 16; ++i) {
    if (i == 15) continue;
    BitWriter w;
    w.bits(2, 5).bits(i, 4).bits(2, 4).bits(0, 3);
    auto cfg = parse_audio_specific_config(w.bytes());
    if (i >= 13) {
      ASSERT_FALSE(cfg) << int(i);
      EXPECT_NE(cfg.error().reason.find("reserved sampling frequency"), std::string::npos);
      EXPECT_EQ(aac_sample_rate(i), 0u);
      continue;
    }
    ASSERT_TRUE(cfg) << int(i);
    EXPECT_EQ(cfg->sample_rate, rates[i]);
    EXPECT_EQ(aac_sample_rate(i), rates[i]);
  }
}

TEST(FlvAac, ExplicitSampleRate) {
  BitWriter w;
  w.bits(2, 5).bits(15, 4).bits(37800, 24).bits(1, 4).bits(0, 3);
  auto cfg = parse_audio_specific_config(w.bytes());
  ASSERT_TRUE(cfg);
  EXPECT_EQ(cfg->sample_rate, 37800u);
  EXPECT_EQ(cfg->sample_rate_index, 15);
  BitWriter zero;
  zero.bits(2, 5).bits(15, 4).bits(0, 24).bits(1, 4).bits(0, 3);
  EXPECT_FALSE(parse_audio_specific_config(zero.bytes()));
  EXPECT_FALSE(parse_audio_specific_config(hex("1780")));  // 24-bit rate cut short
}

TEST(FlvAac, ChannelConfigurations) {
  const int expected[16] = {0, 1, 2, 3, 4, 5, 6, 8, -1, -1, -1, 7, 8, 24, 8, -1};
  for (std::uint8_t c = 0; c < 16; ++c) {
    BitWriter w;
    w.bits(2, 5).bits(4, 4).bits(c, 4).bits(0, 3);
    auto cfg = parse_audio_specific_config(w.bytes());
    if (expected[c] < 0) {
      ASSERT_FALSE(cfg) << int(c);
      EXPECT_NE(cfg.error().reason.find("channel configuration"), std::string::npos);
      continue;
    }
    ASSERT_TRUE(cfg) << int(c);
    EXPECT_EQ(cfg->channels, expected[c]);
    EXPECT_EQ(cfg->channel_config, c);
  }
}

TEST(FlvAac, EscapedObjectType) {
  BitWriter w;
  w.bits(31, 5).bits(42 - 32, 6).bits(3, 4).bits(2, 4);  // USAC, 48 kHz, stereo
  auto cfg = parse_audio_specific_config(w.bytes());
  ASSERT_TRUE(cfg) << cfg.error().reason;
  EXPECT_EQ(cfg->object_type, 42);
  EXPECT_EQ(cfg->sample_rate, 48000u);
  EXPECT_EQ(cfg->channels, 2);
  EXPECT_FALSE(parse_audio_specific_config(hex("f8")));  // escape cut short
}

TEST(FlvAac, Errors) {
  EXPECT_FALSE(parse_audio_specific_config({}));
  auto null_type = parse_audio_specific_config(hex("0010"));
  ASSERT_FALSE(null_type);
  EXPECT_NE(null_type.error().reason.find("null object type"), std::string::npos);
  EXPECT_FALSE(parse_audio_specific_config(hex("12")));  // channel configuration cut off
  EXPECT_FALSE(parse_audio_specific_config(Bytes(kMaxAudioSpecificConfigSize + 1, 0x12)));
  EXPECT_TRUE(parse_audio_specific_config(Bytes(kMaxAudioSpecificConfigSize, 0x12)));
}

TEST(FlvAac, EveryPrefixAndByteValueIsHandled) {
  for (int a = 0; a < 256; ++a) {
    for (int b = 0; b < 256; ++b) {
      const Bytes asc{static_cast<std::uint8_t>(a), static_cast<std::uint8_t>(b), 0x56, 0xE5, 0x00};
      auto cfg = parse_audio_specific_config(asc);
      if (cfg) {
        EXPECT_GT(cfg->sample_rate, 0u);
        EXPECT_NE(cfg->object_type, 0);
      }
    }
  }
}

}  // namespace
}  // namespace minirtc::flv
