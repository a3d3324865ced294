#include "flv/avc.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "flv/demuxer.hpp"
#include "flv/video.hpp"
#include "test_bits.hpp"
#include "tiny_flv.hpp"

namespace minirtc::flv {
namespace {

using Bytes = std::vector<std::uint8_t>;
using test::BitWriter;
using test::hex;
using test::make_nal;

// SPS NAL units written by libx264 (via ffmpeg, -bsf:v h264_mp4toannexb -f h264), with the picture
// properties ffprobe reports for the same streams.
struct RealSps {
  const char* name;
  const char* hex;
  std::uint8_t profile, constraints, level;
  std::uint32_t width, height, coded_width, coded_height;
  std::uint8_t chroma;
  bool frame_mbs_only;
  std::uint8_t bit_depth;
  double fps;
};

const RealSps kRealSps[] = {
    // -profile:v baseline, 640x360: 368 coded lines, 8 cropped.
    {"baseline 640x360", "6742c01ed900a02ff97011000003000100000300320f162e48", 66, 0xC0, 30, 640,
     360, 640, 368, 1, true, 8, 25},
    {"main 320x240", "674d400deca0a0fd8088000003000800000301e078a14cb0", 77, 0x40, 13, 320, 240,
     320, 240, 1, true, 8, 30},
    {"high 1280x720", "6764001facd9405005bb011000000300100000030320f1831960", 100, 0, 31, 1280, 720,
     1280, 720, 1, true, 8, 25},
    {"main 480x640 portrait", "674d401eeca0f028d80880000003008000001e078b16cb", 77, 0x40, 30, 480,
     640, 480, 640, 1, true, 8, 30},
    {"high 642x362 odd crop", "6764001eacd940a42fe224c044000003000400000300c83c58b658", 100, 0, 30,
     642, 362, 656, 368, 1, true, 8, 25},
    {"high444 352x288", "67f4000d919b282c12d808800000030080000019078a14cb", 244, 0, 13, 352, 288,
     352, 288, 3, true, 8, 25},
    // 4:4:4 crop units are single pixels.
    {"high444 351x287", "67f4000d919b282c12f55808800000030080000019078a14cb", 244, 0, 13, 351, 287,
     352, 288, 3, true, 8, 25},
    {"high422 320x240", "677a000dbcd94141fb011000000300100000030320f1429960", 122, 0, 13, 320, 240,
     320, 240, 2, true, 8, 25},
    // 4:2:2 crops in 2-pixel columns but single rows.
    {"high422 322x241", "677a000dbcd941508788843011000003000100000300320f142996", 122, 0, 13, 322,
     241, 336, 256, 2, true, 8, 25},
    {"high10 320x240", "676e000da6cd94141fb011000003000100000300320f142996", 110, 0, 13, 320, 240,
     320, 240, 1, true, 10, 25},
    // Interlaced (x264 --interlaced): field pairs, frame_mbs_only_flag = 0.
    {"interlaced high 720x576", "6764001eacd940b424d8088000000300800000190f8a14cb", 100, 0, 30, 720,
     576, 720, 576, 1, false, 8, 25},
    // Interlaced 1080: crop units of 4 lines (2 for 4:2:0 x 2 for field coding).
    {"interlaced main 1920x1080", "674d4028f403c0227ef01100000303e90000ea601f162ea0", 77, 0x40, 40,
     1920, 1080, 1920, 1088, 1, false, 8, 30000.0 / 1001},
    // The SPS of tests/unit/flv/tiny_flv.hpp.
    {"main 64x48", "674d400aeca23d8088000003000800000300a078912cb0", 77, 0x40, 10, 64, 48, 64, 48,
     1, true, 8, 10},
};

TEST(FlvAvc, RealSpsFromX264) {
  for (const auto& want : kRealSps) {
    SCOPED_TRACE(want.name);
    const Bytes nal = hex(want.hex);
    ASSERT_FALSE(nal.empty());
    auto sps = parse_sps(nal);
    ASSERT_TRUE(sps) << sps.error().reason;
    EXPECT_EQ(sps->profile_idc, want.profile);
    EXPECT_EQ(sps->constraint_flags, want.constraints);
    EXPECT_EQ(sps->level_idc, want.level);
    EXPECT_EQ(sps->width, want.width);
    EXPECT_EQ(sps->height, want.height);
    EXPECT_EQ(sps->coded_width, want.coded_width);
    EXPECT_EQ(sps->coded_height, want.coded_height);
    EXPECT_EQ(sps->coded_width - sps->crop_left - sps->crop_right, want.width);
    EXPECT_EQ(sps->crop_left, 0u);  // x264 crops right and bottom only
    EXPECT_EQ(sps->crop_top, 0u);
    EXPECT_EQ(sps->chroma_format_idc, want.chroma);
    EXPECT_EQ(sps->frame_mbs_only, want.frame_mbs_only);
    EXPECT_EQ(sps->bit_depth_luma, want.bit_depth);
    EXPECT_EQ(sps->bit_depth_chroma, want.bit_depth);
    EXPECT_FALSE(sps->separate_colour_plane);
    EXPECT_NEAR(sps->fps, want.fps, 1e-9);
    EXPECT_EQ(sps->sar_width, 1);  // x264 signals square pixels
    EXPECT_EQ(sps->sar_height, 1);
    EXPECT_EQ(sps->seq_parameter_set_id, 0);
  }
}

TEST(FlvAvc, BaselineUsesPocType2AndMainPocType0) {
  auto baseline = parse_sps(hex(kRealSps[0].hex));
  ASSERT_TRUE(baseline);
  EXPECT_EQ(baseline->pic_order_cnt_type, 2);  // no B-frames
  auto main = parse_sps(hex(kRealSps[1].hex));
  ASSERT_TRUE(main);
  EXPECT_EQ(main->pic_order_cnt_type, 0);
}

TEST(FlvAvc, EveryPrefixOfARealSpsFailsCleanlyOrAgrees) {
  // Up to the VUI a cut is an error; inside the VUI the picture size is already known.
  for (const auto& want : kRealSps) {
    SCOPED_TRACE(want.name);
    const Bytes nal = hex(want.hex);
    bool any_error = false;
    for (std::size_t n = 0; n < nal.size(); ++n) {
      auto sps = parse_sps(std::span(nal).first(n));
      if (!sps) {
        any_error = true;
        EXPECT_EQ(sps.error().reason.rfind("SPS: ", 0), 0u);
        continue;
      }
      EXPECT_EQ(sps->width, want.width) << n;
      EXPECT_EQ(sps->height, want.height) << n;
    }
    EXPECT_TRUE(any_error);
    EXPECT_FALSE(parse_sps(std::span(nal).first(4)));
  }
}

TEST(FlvAvc, EmulationPreventionRemoval) {
  EXPECT_EQ(nal_to_rbsp(hex("0000030100000302")), hex("000001000002"));
  EXPECT_EQ(nal_to_rbsp(hex("000003000003")), hex("00000000"));
  EXPECT_EQ(nal_to_rbsp(hex("0000030000000301")), hex("000000000001"));
  EXPECT_EQ(nal_to_rbsp(hex("000003")), hex("0000"));
  EXPECT_EQ(nal_to_rbsp(hex("0003000003")), hex("00030000"));  // one zero is not enough
  EXPECT_EQ(nal_to_rbsp({}), Bytes{});
}

// A synthetic SPS for syntax x264 never writes. Defaults describe 4:2:0 High 1280x720.
struct SpsSpec {
  std::uint8_t profile = 100;
  std::uint32_t sps_id = 0;
  std::uint32_t chroma = 1;
  bool separate_planes = false;
  std::uint32_t bit_depth_minus8 = 0;
  bool scaling_matrix = false;
  std::uint32_t log2_frame_num_minus4 = 0;
  std::uint32_t poc_type = 0;
  std::uint32_t poc_cycle = 3;
  std::uint32_t refs = 4;
  std::uint32_t width_mbs = 80, height_units = 45;
  bool frame_mbs_only = true;
  bool crop = false;
  std::uint32_t crop_l = 0, crop_r = 0, crop_t = 0, crop_b = 0;
  bool vui = false;
  std::int32_t first_delta_scale = 5;
};

Bytes make_sps(const SpsSpec& s) {
  BitWriter w;
  w.bits(s.profile, 8).bits(0, 8).bits(40, 8).ue(s.sps_id);
  if (s.profile == 100 || s.profile == 244 || s.profile == 110 || s.profile == 44) {
    w.ue(s.chroma);
    if (s.chroma == 3) w.bit(s.separate_planes);
    w.ue(s.bit_depth_minus8).ue(s.bit_depth_minus8).bit(false).bit(s.scaling_matrix);
    if (s.scaling_matrix) {
      const int lists = s.chroma != 3 ? 8 : 12;
      for (int i = 0; i < lists; ++i) {
        const bool present = i % 3 != 1;  // a mix of present and absent lists
        w.bit(present);
        if (!present) continue;
        const int size = i < 6 ? 16 : 64;
        if (i == 2) {
          w.se(-8);  // next scale 0 at once: "use the default list", nothing more follows
          continue;
        }
        for (int j = 0; j < size; ++j) w.se(j == 0 ? s.first_delta_scale : (j % 2 ? 3 : -2));
      }
    }
  }
  w.ue(s.log2_frame_num_minus4).ue(s.poc_type);
  if (s.poc_type == 0) {
    w.ue(2);
  } else if (s.poc_type == 1) {
    w.bit(false).se(-2).se(1).ue(s.poc_cycle);
    for (std::uint32_t i = 0; i < s.poc_cycle; ++i) w.se(static_cast<std::int32_t>(i) - 1);
  }
  w.ue(s.refs).bit(false).ue(s.width_mbs - 1).ue(s.height_units - 1).bit(s.frame_mbs_only);
  if (!s.frame_mbs_only) w.bit(true);
  w.bit(true).bit(s.crop);
  if (s.crop) w.ue(s.crop_l).ue(s.crop_r).ue(s.crop_t).ue(s.crop_b);
  w.bit(s.vui);
  if (s.vui) {
    // aspect_ratio_idc 255 (Extended_SAR 4:3), no overscan/signal/chroma loc, timing 1001/60000.
    w.bit(true).bits(255, 8).bits(4, 16).bits(3, 16);
    w.bit(false).bit(false).bit(false);
    w.bit(true).bits(1001, 32).bits(60000, 32).bit(true);
    w.bit(false).bit(false).bit(false).bit(false);  // no HRD, pic_struct, no restriction
  }
  w.trailing();
  return make_nal(0x67, w.bytes());
}

TEST(FlvAvc, SyntheticDefaults) {
  auto sps = parse_sps(make_sps({}));
  ASSERT_TRUE(sps) << sps.error().reason;
  EXPECT_EQ(sps->width, 1280u);
  EXPECT_EQ(sps->height, 720u);
  EXPECT_EQ(sps->max_num_ref_frames, 4u);
  EXPECT_EQ(sps->fps, 0);
}

TEST(FlvAvc, ScalingMatricesAreSkipped) {
  for (std::uint32_t chroma : {1u, 2u, 3u}) {
    SpsSpec s;
    s.scaling_matrix = true;
    s.chroma = chroma;
    s.profile = 244;
    s.crop = true;
    s.crop_r = 4;
    s.vui = true;
    auto sps = parse_sps(make_sps(s));
    ASSERT_TRUE(sps) << chroma << ": " << sps.error().reason;
    EXPECT_EQ(sps->chroma_format_idc, chroma);
    EXPECT_EQ(sps->width, 1280u - 4 * (chroma == 3 ? 1 : 2));
    EXPECT_EQ(sps->height, 720u);
    EXPECT_NEAR(sps->fps, 29.97, 0.001);  // read only if the matrices were skipped exactly
    EXPECT_EQ(sps->sar_width, 4);
    EXPECT_EQ(sps->sar_height, 3);
  }
}

TEST(FlvAvc, ScalingDeltaOutOfRange) {
  SpsSpec s;
  s.scaling_matrix = true;
  s.first_delta_scale = 128;
  auto sps = parse_sps(make_sps(s));
  ASSERT_FALSE(sps);
  EXPECT_NE(sps.error().reason.find("scaling"), std::string::npos);
  s.first_delta_scale = -128;
  EXPECT_TRUE(parse_sps(make_sps(s)));
}

TEST(FlvAvc, PocType1) {
  SpsSpec s;
  s.poc_type = 1;
  s.vui = true;
  auto sps = parse_sps(make_sps(s));
  ASSERT_TRUE(sps) << sps.error().reason;
  EXPECT_EQ(sps->pic_order_cnt_type, 1);
  EXPECT_EQ(sps->width, 1280u);
  EXPECT_NEAR(sps->fps, 29.97, 0.001);
  s.poc_cycle = 255;
  EXPECT_TRUE(parse_sps(make_sps(s)));
  s.poc_cycle = 256;
  EXPECT_FALSE(parse_sps(make_sps(s)));
}

TEST(FlvAvc, PocType2) {
  SpsSpec s;
  s.poc_type = 2;
  auto sps = parse_sps(make_sps(s));
  ASSERT_TRUE(sps);
  EXPECT_EQ(sps->pic_order_cnt_type, 2);
  EXPECT_EQ(sps->height, 720u);
}

TEST(FlvAvc, CropUnits) {
  struct Case {
    std::uint32_t chroma;
    bool separate, frame_mbs_only;
    std::uint32_t unit_x, unit_y;
  };
  const Case cases[] = {
      {0, false, true, 1, 1},  {0, false, false, 1, 2}, {1, false, true, 2, 2},
      {1, false, false, 2, 4}, {2, false, true, 2, 1},  {2, false, false, 2, 2},
      {3, false, true, 1, 1},  {3, false, false, 1, 2}, {3, true, true, 1, 1},
      {3, true, false, 1, 2},  // separate planes: ChromaArrayType 0
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(testing::Message() << c.chroma << c.separate << c.frame_mbs_only);
    SpsSpec s;
    s.profile = 244;
    s.chroma = c.chroma;
    s.separate_planes = c.separate;
    s.frame_mbs_only = c.frame_mbs_only;
    s.height_units = c.frame_mbs_only ? 46 : 23;  // 736 lines either way
    s.crop = true;
    s.crop_l = 1;
    s.crop_r = 2;
    s.crop_t = 3;
    s.crop_b = 4;
    auto sps = parse_sps(make_sps(s));
    ASSERT_TRUE(sps) << sps.error().reason;
    EXPECT_EQ(sps->separate_colour_plane, c.separate);
    EXPECT_EQ(sps->coded_height, 736u);
    EXPECT_EQ(sps->crop_left, 1 * c.unit_x);
    EXPECT_EQ(sps->crop_right, 2 * c.unit_x);
    EXPECT_EQ(sps->crop_top, 3 * c.unit_y);
    EXPECT_EQ(sps->crop_bottom, 4 * c.unit_y);
    EXPECT_EQ(sps->width, 1280 - 3 * c.unit_x);
    EXPECT_EQ(sps->height, 736 - 7 * c.unit_y);
  }
}

TEST(FlvAvc, CropLargerThanPicture) {
  SpsSpec s;
  s.crop = true;
  s.crop_r = 640;  // 1280 pixels at 2 per unit
  auto sps = parse_sps(make_sps(s));
  ASSERT_FALSE(sps);
  EXPECT_NE(sps.error().reason.find("cropping"), std::string::npos);
  s.crop_r = 639;
  ASSERT_TRUE(parse_sps(make_sps(s)));
  s.crop_r = 0xFFFFFFF0u;  // would overflow 32-bit arithmetic
  EXPECT_FALSE(parse_sps(make_sps(s)));
  s.crop_r = 0;
  s.crop_t = 360;  // 360 * 2 = 720 lines
  EXPECT_FALSE(parse_sps(make_sps(s)));
}

TEST(FlvAvc, HighBitDepths) {
  SpsSpec s;
  s.profile = 110;
  s.bit_depth_minus8 = 6;
  auto sps = parse_sps(make_sps(s));
  ASSERT_TRUE(sps);
  EXPECT_EQ(sps->bit_depth_luma, 14);
  s.bit_depth_minus8 = 7;
  EXPECT_FALSE(parse_sps(make_sps(s)));
}

TEST(FlvAvc, OutOfRangeFieldsAreRejected) {
  auto rejects = [](SpsSpec s) { return !parse_sps(make_sps(s)).ok(); };
  SpsSpec s;
  EXPECT_FALSE(rejects(s));
  s.sps_id = 32;
  EXPECT_TRUE(rejects(s));
  s = {};
  s.sps_id = 31;
  EXPECT_FALSE(rejects(s));
  s = {};
  s.chroma = 4;
  EXPECT_TRUE(rejects(s));
  s = {};
  s.log2_frame_num_minus4 = 13;
  EXPECT_TRUE(rejects(s));
  s = {};
  s.poc_type = 3;
  EXPECT_TRUE(rejects(s));
  s = {};
  s.refs = 17;
  EXPECT_TRUE(rejects(s));
  s = {};
  s.width_mbs = 2049;
  EXPECT_TRUE(rejects(s));
  s = {};
  s.width_mbs = 2048;
  EXPECT_FALSE(rejects(s));
  s = {};
  s.height_units = 2049;
  EXPECT_TRUE(rejects(s));
}

TEST(FlvAvc, NalHeaderChecks) {
  EXPECT_FALSE(parse_sps({}));
  Bytes nal = hex(kRealSps[1].hex);
  nal[0] = 0x68;  // a PPS
  auto pps = parse_sps(nal);
  ASSERT_FALSE(pps);
  EXPECT_NE(pps.error().reason.find("not an SPS"), std::string::npos);
  nal[0] = 0xE7;  // forbidden bit
  EXPECT_FALSE(parse_sps(nal));
  nal[0] = 0x27;  // nal_ref_idc 1 is fine
  EXPECT_TRUE(parse_sps(nal));
  Bytes huge(kMaxSpsSize + 1, 0xFF);
  huge[0] = 0x67;
  EXPECT_FALSE(parse_sps(huge));
}

TEST(FlvAvc, OverlongExpGolombIsRejected) {
  // profile, constraints, level, then 40 zero bits where seq_parameter_set_id starts.
  EXPECT_FALSE(
      parse_sps(hex("67640028"
                    "0000000000"
                    "ff")));
}

const Bytes kTinyAvcConfig =
    hex("014d400affe10017674d400aeca23d8088000003000800000300a078912cb001000468ce3c80");

TEST(FlvAvcConfig, RealRecordFromFfmpegFlv) {
  auto cfg = parse_avc_decoder_config(kTinyAvcConfig);
  ASSERT_TRUE(cfg) << cfg.error().reason;
  EXPECT_EQ(cfg->profile, 77);
  EXPECT_EQ(cfg->compatibility, 0x40);
  EXPECT_EQ(cfg->level, 10);
  EXPECT_EQ(cfg->nal_length_size, 4);
  ASSERT_EQ(cfg->sps.size(), 1u);
  ASSERT_EQ(cfg->pps.size(), 1u);
  EXPECT_EQ(cfg->sps[0].size(), 23u);
  EXPECT_EQ(cfg->pps[0], hex("68ce3c80"));
  EXPECT_EQ(cfg->info.width, 64u);
  EXPECT_EQ(cfg->info.height, 48u);
  EXPECT_EQ(cfg->info.profile_idc, 77);
  EXPECT_NEAR(cfg->info.fps, 10, 1e-9);
}

TEST(FlvAvcConfig, TheSequenceHeaderTagOfTheRealFile) {
  Demuxer d;
  std::vector<Tag> tags;
  ASSERT_TRUE(d.feed(testdata::kTinyFlv, tags));
  auto video = parse_video_tag(tags[1].data.span());
  ASSERT_TRUE(video);
  ASSERT_TRUE(video->sequence_header());
  EXPECT_EQ(Bytes(video->body.begin(), video->body.end()), kTinyAvcConfig);
}

TEST(FlvAvcConfig, EveryTruncationIsAnError) {
  // The record ends with the last PPS byte, so every strict prefix is cut somewhere.
  for (std::size_t n = 0; n < kTinyAvcConfig.size(); ++n) {
    auto cfg = parse_avc_decoder_config(std::span(kTinyAvcConfig).first(n));
    ASSERT_FALSE(cfg) << n;
    EXPECT_EQ(cfg.error().reason.rfind("AVC config: ", 0), 0u);
  }
}

TEST(FlvAvcConfig, TrailingBytesAreIgnored) {
  Bytes record = kTinyAvcConfig;
  record.insert(record.end(), {0xFC, 0xF8, 0xF8, 0x00});  // a high-profile trailer
  EXPECT_TRUE(parse_avc_decoder_config(record));
}

TEST(FlvAvcConfig, BadFields) {
  Bytes r = kTinyAvcConfig;
  r[0] = 0;
  EXPECT_FALSE(parse_avc_decoder_config(r));
  r = kTinyAvcConfig;
  r[4] = 0xFE;  // lengthSizeMinusOne = 2
  auto three = parse_avc_decoder_config(r);
  ASSERT_FALSE(three);
  EXPECT_NE(three.error().reason.find("length size"), std::string::npos);
  for (std::uint8_t ls : {0xFC, 0xFD, 0xFF}) {
    r[4] = ls;
    auto cfg = parse_avc_decoder_config(r);
    ASSERT_TRUE(cfg);
    EXPECT_EQ(cfg->nal_length_size, ls == 0xFC ? 1 : ls == 0xFD ? 2 : 4);
  }
  r = kTinyAvcConfig;
  r[5] = 0xE0;  // no SPS: the SPS bytes are then read as the PPS count and garbage
  EXPECT_FALSE(parse_avc_decoder_config(r));
  r = kTinyAvcConfig;
  r[5] = 0xE2;  // claims two SPS
  EXPECT_FALSE(parse_avc_decoder_config(r));
  r = kTinyAvcConfig;
  r[7] = 0x00;  // SPS length 0
  EXPECT_FALSE(parse_avc_decoder_config(r));
  r = kTinyAvcConfig;
  r[8] = 0x68;  // the "SPS" is a PPS
  auto bad_sps = parse_avc_decoder_config(r);
  ASSERT_FALSE(bad_sps);
  EXPECT_NE(bad_sps.error().reason.find("SPS"), std::string::npos);
}

TEST(FlvAvcConfig, NoSpsButPps) {
  const Bytes r =
      hex("014d400affe0"
          "01"
          "0004"
          "68ce3c80");
  auto cfg = parse_avc_decoder_config(r);
  ASSERT_FALSE(cfg);
  EXPECT_NE(cfg.error().reason.find("no SPS"), std::string::npos);
}

TEST(FlvAvcConfig, SeveralParameterSets) {
  const std::string sps = "0017674d400aeca23d8088000003000800000300a078912cb0";
  const Bytes r = hex("014d400affe2" + sps + sps + "03" + "000168" + "00026801" + "0003680102");
  auto cfg = parse_avc_decoder_config(r);
  ASSERT_TRUE(cfg) << cfg.error().reason;
  EXPECT_EQ(cfg->sps.size(), 2u);
  ASSERT_EQ(cfg->pps.size(), 3u);
  EXPECT_EQ(cfg->pps[2], hex("680102"));
}

TEST(FlvNalUnits, SplitAndIdr) {
  Demuxer d;
  std::vector<Tag> tags;
  ASSERT_TRUE(d.feed(testdata::kTinyFlv, tags));
  // tags[3] is the first keyframe: SEI + IDR slice (x264); tags[4] a P slice.
  auto key = parse_video_tag(tags[3].data.span());
  ASSERT_TRUE(key);
  auto units = split_nal_units(key->body, 4);
  ASSERT_TRUE(units) << units.error().reason;
  ASSERT_GE(units->size(), 2u);
  EXPECT_EQ(nal_unit_type((*units)[0][0]), nal_type::kSei);
  EXPECT_EQ(nal_unit_type(units->back()[0]), nal_type::kIdrSlice);
  auto idr = contains_idr(key->body, 4);
  ASSERT_TRUE(idr);
  EXPECT_TRUE(*idr);
  auto inter = parse_video_tag(tags[4].data.span());
  ASSERT_TRUE(inter);
  auto no_idr = contains_idr(inter->body, 4);
  ASSERT_TRUE(no_idr);
  EXPECT_FALSE(*no_idr);
}

TEST(FlvNalUnits, LengthSizes) {
  // The units are views into the body, so the bodies must outlive them.
  const Bytes body1 =
      hex("0265880141"
          "00"
          "0109");
  auto one = split_nal_units(body1, 1);
  ASSERT_TRUE(one);
  ASSERT_EQ(one->size(), 3u);  // the empty unit is skipped
  EXPECT_EQ((*one)[1].size(), 1u);
  EXPECT_EQ((*one)[2][0], 0x09);
  const Bytes body2 =
      hex("00026588"
          "000141");
  auto two = split_nal_units(body2, 2);
  ASSERT_TRUE(two);
  EXPECT_EQ(two->size(), 2u);
  EXPECT_FALSE(split_nal_units(hex("0000000265"), 4));  // runs past the end
  EXPECT_FALSE(split_nal_units(hex("000000"), 4));      // truncated length
  EXPECT_FALSE(split_nal_units(hex("0165"), 3));        // invalid size
  EXPECT_FALSE(split_nal_units(hex("0165"), 0));
  EXPECT_FALSE(split_nal_units(hex("016501650165"), 1, 2));  // over max_units
  auto empty = split_nal_units({}, 4);
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
  EXPECT_FALSE(contains_idr(hex("ff"), 4));
}

}  // namespace
}  // namespace minirtc::flv
