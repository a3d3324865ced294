#include "flv/avc.hpp"

#include <string>

#include "flv/bit_reader.hpp"
#include "util/byte_reader.hpp"

namespace minirtc::flv {
namespace {

// Bounds from H.264 7.4.2.1.1; they also keep every loop below short.
constexpr std::uint32_t kMaxSpsId = 31;
constexpr std::uint32_t kMaxChromaFormatIdc = 3;
constexpr std::uint32_t kMaxBitDepthMinus8 = 6;
constexpr std::uint32_t kMaxLog2Minus4 = 12;
constexpr std::uint32_t kMaxPocCycle = 255;
constexpr std::uint32_t kMaxRefFrames = 16;
// 2048 macroblocks = 32768 pixels a side, far above level 6.2's largest frame.
constexpr std::uint32_t kMaxSizeInMbs = 2048;

bool high_profile(std::uint8_t profile_idc) {
  switch (profile_idc) {
    case 100:
    case 110:
    case 122:
    case 244:
    case 44:
    case 83:
    case 86:
    case 118:
    case 128:
    case 138:
    case 139:
    case 134:
    case 135:
      return true;
    default:
      return false;
  }
}

// scaling_list() (7.3.2.1.1.1): only parsed to be skipped correctly.
bool skip_scaling_list(BitReader& r, int size) {
  std::int32_t last = 8, next = 8;
  for (int j = 0; j < size; ++j) {
    if (next != 0) {
      auto delta = r.se();
      if (!delta || *delta < -128 || *delta > 127) return false;
      next = (last + *delta + 256) % 256;
    }
    last = next == 0 ? last : next;
  }
  return true;
}

// VUI up to timing_info (E.1.1). Failures leave the fields at their defaults: see parse_sps.
void parse_vui(BitReader& r, SpsInfo& info) {
  auto aspect = r.flag();
  if (!aspect) return;
  if (*aspect) {
    auto idc = r.bits(8);
    if (!idc) return;
    // Table E-1: the predefined sample aspect ratios.
    static constexpr std::uint16_t kSar[17][2] = {
        {0, 0},   {1, 1},   {12, 11}, {10, 11}, {16, 11},  {40, 33}, {24, 11}, {20, 11}, {32, 11},
        {80, 33}, {18, 11}, {15, 11}, {64, 33}, {160, 99}, {4, 3},   {3, 2},   {2, 1}};
    if (*idc == 255) {  // Extended_SAR
      auto w = r.bits(16);
      auto h = r.bits(16);
      if (!w || !h) return;
      info.sar_width = static_cast<std::uint16_t>(*w);
      info.sar_height = static_cast<std::uint16_t>(*h);
    } else if (*idc < 17) {
      info.sar_width = kSar[*idc][0];
      info.sar_height = kSar[*idc][1];
    }
  }
  auto overscan = r.flag();
  if (!overscan || (*overscan && !r.skip(1))) return;
  auto signal_type = r.flag();
  if (!signal_type) return;
  if (*signal_type) {
    if (!r.skip(4)) return;  // video_format, video_full_range_flag
    auto colour = r.flag();
    if (!colour || (*colour && !r.skip(24))) return;
  }
  auto chroma_loc = r.flag();
  if (!chroma_loc) return;
  if (*chroma_loc && (!r.ue() || !r.ue())) return;
  auto timing = r.flag();
  if (!timing || !*timing) return;
  auto units = r.bits(32);
  auto scale = r.bits(32);
  if (!units || !scale || *units == 0 || *scale == 0) return;
  // One frame is two field ticks (E.2.1, with the usual fixed_frame_rate assumption).
  info.fps = static_cast<double>(*scale) / (2.0 * static_cast<double>(*units));
}

Error sps_error(const char* what) {
  return make_error(std::string("SPS: ") + what);
}

}  // namespace

std::vector<std::uint8_t> nal_to_rbsp(std::span<const std::uint8_t> nal) {
  std::vector<std::uint8_t> out;
  out.reserve(nal.size());
  int zeros = 0;
  for (const std::uint8_t b : nal) {
    if (zeros >= 2 && b == 0x03) {
      zeros = 0;  // emulation_prevention_three_byte: dropped
      continue;
    }
    zeros = b == 0 ? zeros + 1 : 0;
    out.push_back(b);
  }
  return out;
}

Result<SpsInfo> parse_sps(std::span<const std::uint8_t> nal) {
  if (nal.empty()) return sps_error("empty NAL unit");
  if (nal.size() > kMaxSpsSize) return sps_error("NAL unit too large");
  if (nal[0] & 0x80) return sps_error("forbidden_zero_bit set");
  if (nal_unit_type(nal[0]) != nal_type::kSps) return sps_error("not an SPS NAL unit");
  const auto rbsp = nal_to_rbsp(nal.subspan(1));
  BitReader r(rbsp);
  SpsInfo info;

  auto profile = r.bits(8);
  auto constraints = r.bits(8);
  auto level = r.bits(8);
  auto sps_id = r.ue();
  if (!profile || !constraints || !level || !sps_id) return sps_error("truncated header");
  if (*sps_id > kMaxSpsId) return sps_error("seq_parameter_set_id out of range");
  info.profile_idc = static_cast<std::uint8_t>(*profile);
  info.constraint_flags = static_cast<std::uint8_t>(*constraints);
  info.level_idc = static_cast<std::uint8_t>(*level);
  info.seq_parameter_set_id = static_cast<std::uint8_t>(*sps_id);

  if (high_profile(info.profile_idc)) {
    auto chroma = r.ue();
    if (!chroma || *chroma > kMaxChromaFormatIdc) return sps_error("bad chroma_format_idc");
    info.chroma_format_idc = static_cast<std::uint8_t>(*chroma);
    if (info.chroma_format_idc == 3) {
      auto separate = r.flag();
      if (!separate) return sps_error("truncated");
      info.separate_colour_plane = *separate;
    }
    auto depth_luma = r.ue();
    auto depth_chroma = r.ue();
    if (!depth_luma || !depth_chroma || *depth_luma > kMaxBitDepthMinus8 ||
        *depth_chroma > kMaxBitDepthMinus8) {
      return sps_error("bad bit depth");
    }
    info.bit_depth_luma = static_cast<std::uint8_t>(8 + *depth_luma);
    info.bit_depth_chroma = static_cast<std::uint8_t>(8 + *depth_chroma);
    auto bypass = r.flag();  // qpprime_y_zero_transform_bypass_flag
    auto matrix = r.flag();  // seq_scaling_matrix_present_flag
    if (!bypass || !matrix) return sps_error("truncated");
    if (*matrix) {
      const int lists = info.chroma_format_idc != 3 ? 8 : 12;
      for (int i = 0; i < lists; ++i) {
        auto present = r.flag();
        if (!present) return sps_error("truncated scaling matrix");
        if (*present && !skip_scaling_list(r, i < 6 ? 16 : 64)) {
          return sps_error("bad scaling list");
        }
      }
    }
  }

  auto log2_frame_num = r.ue();
  if (!log2_frame_num || *log2_frame_num > kMaxLog2Minus4) {
    return sps_error("bad log2_max_frame_num_minus4");
  }
  auto poc_type = r.ue();
  if (!poc_type || *poc_type > 2) return sps_error("bad pic_order_cnt_type");
  info.pic_order_cnt_type = static_cast<std::uint8_t>(*poc_type);
  if (*poc_type == 0) {
    auto log2_poc = r.ue();
    if (!log2_poc || *log2_poc > kMaxLog2Minus4) {
      return sps_error("bad log2_max_pic_order_cnt_lsb_minus4");
    }
  } else if (*poc_type == 1) {
    auto always_zero = r.flag();
    auto non_ref = r.se();
    auto top_bottom = r.se();
    auto cycle = r.ue();
    if (!always_zero || !non_ref || !top_bottom || !cycle) return sps_error("truncated");
    if (*cycle > kMaxPocCycle) return sps_error("bad num_ref_frames_in_pic_order_cnt_cycle");
    for (std::uint32_t i = 0; i < *cycle; ++i) {
      if (!r.se()) return sps_error("truncated pic order count cycle");
    }
  }

  auto refs = r.ue();
  auto gaps = r.flag();
  auto width_mbs = r.ue();
  auto height_units = r.ue();
  auto frame_mbs_only = r.flag();
  if (!refs || !gaps || !width_mbs || !height_units || !frame_mbs_only) {
    return sps_error("truncated");
  }
  if (*refs > kMaxRefFrames) return sps_error("bad max_num_ref_frames");
  if (*width_mbs >= kMaxSizeInMbs || *height_units >= kMaxSizeInMbs) {
    return sps_error("picture size out of range");
  }
  info.max_num_ref_frames = *refs;
  info.frame_mbs_only = *frame_mbs_only;
  if (!info.frame_mbs_only && !r.skip(1)) return sps_error("truncated");  // mb_adaptive_frame_field
  if (!r.skip(1)) return sps_error("truncated");  // direct_8x8_inference_flag

  const std::uint32_t field_factor = info.frame_mbs_only ? 1 : 2;
  info.coded_width = (*width_mbs + 1) * 16;
  info.coded_height = field_factor * (*height_units + 1) * 16;

  auto cropping = r.flag();
  if (!cropping) return sps_error("truncated");
  if (*cropping) {
    auto left = r.ue();
    auto right = r.ue();
    auto top = r.ue();
    auto bottom = r.ue();
    if (!left || !right || !top || !bottom) return sps_error("truncated frame cropping");
    // Crop offsets count chroma samples (7.4.2.1.1): units depend on ChromaArrayType and on
    // whether the offsets are per field.
    const std::uint32_t chroma_array_type = info.separate_colour_plane ? 0 : info.chroma_format_idc;
    std::uint32_t unit_x = 1, unit_y = field_factor;
    if (chroma_array_type != 0) {
      const std::uint32_t sub_width = chroma_array_type == 3 ? 1 : 2;
      const std::uint32_t sub_height = chroma_array_type == 1 ? 2 : 1;
      unit_x = sub_width;
      unit_y = sub_height * field_factor;
    }
    const std::uint64_t crop_x = (std::uint64_t{*left} + *right) * unit_x;
    const std::uint64_t crop_y = (std::uint64_t{*top} + *bottom) * unit_y;
    if (crop_x >= info.coded_width || crop_y >= info.coded_height) {
      return sps_error("frame cropping larger than the picture");
    }
    info.crop_left = *left * unit_x;
    info.crop_right = *right * unit_x;
    info.crop_top = *top * unit_y;
    info.crop_bottom = *bottom * unit_y;
  }
  info.width = info.coded_width - info.crop_left - info.crop_right;
  info.height = info.coded_height - info.crop_top - info.crop_bottom;

  auto vui = r.flag();
  if (vui && *vui) parse_vui(r, info);
  return info;
}

Result<AvcDecoderConfig> parse_avc_decoder_config(std::span<const std::uint8_t> record) {
  ByteReader r(record);
  auto version = r.u8();
  auto profile = r.u8();
  auto compatibility = r.u8();
  auto level = r.u8();
  auto length_size = r.u8();
  auto sps_count = r.u8();
  if (!version || !profile || !compatibility || !level || !length_size || !sps_count) {
    return make_error("AVC config: truncated header");
  }
  if (*version != 1) {
    return make_error("AVC config: unsupported configurationVersion " + std::to_string(*version));
  }
  AvcDecoderConfig cfg;
  cfg.profile = *profile;
  cfg.compatibility = *compatibility;
  cfg.level = *level;
  cfg.nal_length_size = static_cast<std::uint8_t>((*length_size & 0x03) + 1);
  if (cfg.nal_length_size == 3) return make_error("AVC config: invalid NAL length size 3");

  // Each count is at most 31 (SPS) or 255 (PPS) by field width, and each length is checked against
  // what is left, so the copies below are bounded by the record's size.
  auto read_units = [&r](std::size_t count, const char* what,
                         std::vector<std::vector<std::uint8_t>>& out) -> Status {
    for (std::size_t i = 0; i < count; ++i) {
      auto len = r.u16be();
      if (!len) return make_error(std::string("AVC config: truncated ") + what + " length");
      if (*len == 0) return make_error(std::string("AVC config: empty ") + what);
      auto bytes = r.bytes(*len);
      if (!bytes) return make_error(std::string("AVC config: truncated ") + what);
      out.emplace_back(bytes->begin(), bytes->end());
    }
    return {};
  };
  if (auto st = read_units(*sps_count & 0x1F, "SPS", cfg.sps); !st) return st.error();
  auto pps_count = r.u8();
  if (!pps_count) return make_error("AVC config: truncated PPS count");
  if (auto st = read_units(*pps_count, "PPS", cfg.pps); !st) return st.error();
  if (cfg.sps.empty()) return make_error("AVC config: no SPS");

  auto info = parse_sps(cfg.sps.front());
  if (!info) return make_error("AVC config: " + info.error().reason);
  cfg.info = *info;
  return cfg;
}

Result<std::vector<std::span<const std::uint8_t>>> split_nal_units(
    std::span<const std::uint8_t> body, std::uint8_t nal_length_size, std::size_t max_units) {
  if (nal_length_size != 1 && nal_length_size != 2 && nal_length_size != 4) {
    return make_error("invalid NAL length size " + std::to_string(nal_length_size));
  }
  std::vector<std::span<const std::uint8_t>> units;
  ByteReader r(body);
  while (!r.empty()) {
    std::optional<std::uint32_t> len;
    switch (nal_length_size) {
      case 1:
        len = r.u8();
        break;
      case 2:
        len = r.u16be();
        break;
      default:
        len = r.u32be();
        break;
    }
    if (!len) return make_error("truncated NAL unit length");
    auto unit = r.bytes(*len);
    if (!unit) return make_error("NAL unit length runs past the end of the tag");
    if (unit->empty()) continue;
    if (units.size() >= max_units) return make_error("too many NAL units in one tag");
    units.push_back(*unit);
  }
  return units;
}

Result<bool> contains_idr(std::span<const std::uint8_t> body, std::uint8_t nal_length_size) {
  auto units = split_nal_units(body, nal_length_size);
  if (!units) return units.error();
  for (const auto& unit : *units) {
    if (nal_unit_type(unit[0]) == nal_type::kIdrSlice) return true;
  }
  return false;
}

}  // namespace minirtc::flv
