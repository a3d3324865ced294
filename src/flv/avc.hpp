#pragma once
// H.264/AVC: the sequence parameter set (ITU-T H.264 7.3.2.1.1), the AVCDecoderConfigurationRecord
// carried by an FLV/RTMP AVC sequence header (ISO/IEC 14496-15 5.2.4.1), and length-prefixed NAL
// unit bodies of AVC video tags.

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "util/result.hpp"

namespace minirtc::flv {

namespace nal_type {
constexpr std::uint8_t kNonIdrSlice = 1;
constexpr std::uint8_t kIdrSlice = 5;
constexpr std::uint8_t kSei = 6;
constexpr std::uint8_t kSps = 7;
constexpr std::uint8_t kPps = 8;
constexpr std::uint8_t kAud = 9;
}  // namespace nal_type

constexpr std::uint8_t nal_unit_type(std::uint8_t nal_header) {
  return nal_header & 0x1F;
}

struct SpsInfo {
  std::uint8_t profile_idc = 0;
  std::uint8_t constraint_flags = 0;  // constraint_set0..5 flags in the top six bits
  std::uint8_t level_idc = 0;
  std::uint32_t width = 0;  // displayed size: coded size minus frame cropping
  std::uint32_t height = 0;
  std::uint8_t chroma_format_idc = 1;  // 0 monochrome, 1 4:2:0, 2 4:2:2, 3 4:4:4
  bool frame_mbs_only = true;          // false: the stream may be interlaced
  double fps = 0;                      // from VUI timing (time_scale / 2 / num_units_in_tick)
  std::uint8_t seq_parameter_set_id = 0;
  bool separate_colour_plane = false;
  std::uint8_t bit_depth_luma = 8;
  std::uint8_t bit_depth_chroma = 8;
  std::uint8_t pic_order_cnt_type = 0;
  std::uint32_t max_num_ref_frames = 0;
  std::uint32_t coded_width = 0;  // before cropping, in pixels
  std::uint32_t coded_height = 0;
  std::uint32_t crop_left = 0, crop_right = 0, crop_top = 0, crop_bottom = 0;  // pixels
  std::uint16_t sar_width = 0, sar_height = 0;  // sample aspect ratio if VUI signals one
};

/// The largest SPS NAL unit accepted (real ones are a few dozen bytes).
constexpr std::size_t kMaxSpsSize = 4096;

/// Parses one SPS NAL unit, including its one-byte NAL header (type 7), with emulation-prevention
/// bytes still in place. The VUI is read only as far as timing_info; a VUI that is cut short or
/// malformed leaves fps/sar at 0 rather than failing, since the picture size is already known.
Result<SpsInfo> parse_sps(std::span<const std::uint8_t> nal);

/// Removes emulation-prevention bytes (00 00 03 -> 00 00) giving the RBSP.
std::vector<std::uint8_t> nal_to_rbsp(std::span<const std::uint8_t> nal);

struct AvcDecoderConfig {
  std::uint8_t profile = 0;        // AVCProfileIndication
  std::uint8_t compatibility = 0;  // profile_compatibility
  std::uint8_t level = 0;          // AVCLevelIndication
  std::uint8_t nal_length_size = 4;
  std::vector<std::vector<std::uint8_t>> sps, pps;  // NAL units with their NAL header
  SpsInfo info;                                     // parsed from the first SPS
};

/// Parses the body of an AVC sequence-header tag. Needs at least one SPS, which must parse; the
/// NAL length size must be 1, 2 or 4; every count and length is checked against the record size.
/// The high-profile trailer (chroma_format etc.) and trailing bytes are ignored.
Result<AvcDecoderConfig> parse_avc_decoder_config(std::span<const std::uint8_t> record);

/// Splits the body of an AVC NALU tag (length-prefixed NAL units) into NAL units, views into body.
/// nal_length_size must be 1, 2 or 4; a length running past the end is an error; empty NAL units
/// are skipped. At most max_units are returned (an error beyond that).
Result<std::vector<std::span<const std::uint8_t>>> split_nal_units(
    std::span<const std::uint8_t> body, std::uint8_t nal_length_size, std::size_t max_units = 4096);

/// Whether the body holds an IDR slice (NAL type 5): the frame really is a random access point.
Result<bool> contains_idr(std::span<const std::uint8_t> body, std::uint8_t nal_length_size);

}  // namespace minirtc::flv
