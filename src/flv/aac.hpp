#pragma once
// MPEG-4 AudioSpecificConfig (ISO/IEC 14496-3 1.6.2.1), the body of an AAC sequence-header tag.

#include <cstddef>
#include <cstdint>
#include <span>

#include "util/result.hpp"

namespace minirtc::flv {

namespace aac_object {
constexpr std::uint8_t kMain = 1;
constexpr std::uint8_t kLc = 2;
constexpr std::uint8_t kSsr = 3;
constexpr std::uint8_t kLtp = 4;
constexpr std::uint8_t kSbr = 5;  // HE-AAC
constexpr std::uint8_t kPs = 29;  // HE-AAC v2
constexpr std::uint8_t kEscape = 31;
}  // namespace aac_object

struct AacConfig {
  /// The signalled audioObjectType: 2 for AAC-LC, and 5 (SBR) or 29 (PS) for HE-AAC signalled
  /// explicitly (hierarchically). With backward-compatible signalling this stays 2 and sbr/ps say
  /// what the extension adds.
  std::uint8_t object_type = 0;
  /// Output sample rate in Hz: the SBR extension rate when SBR is signalled, else the core rate.
  std::uint32_t sample_rate = 0;
  /// Output channels: channelConfiguration mapped to a count (7 -> 8, 11 -> 7, 12 -> 8, 13 -> 24,
  /// 14 -> 8); 0 when the layout is in a program_config_element. PS turns mono into 2.
  std::uint8_t channels = 0;
  /// samplingFrequencyIndex of the core (AAC) layer, 0..12, or 15 when the rate is explicit.
  /// This is what an ADTS header needs.
  std::uint8_t sample_rate_index = 0;

  std::uint8_t core_object_type = 0;  // the underlying AAC type (2 for HE-AAC over LC)
  std::uint32_t core_sample_rate = 0;
  std::uint8_t channel_config = 0;  // the raw channelConfiguration
  bool sbr = false;
  bool ps = false;
};

/// The largest AudioSpecificConfig accepted (real ones are 2 to 7 bytes; a program_config_element
/// can add a few dozen).
constexpr std::size_t kMaxAudioSpecificConfigSize = 256;

/// Sample rate for a samplingFrequencyIndex 0..12, 0 otherwise.
std::uint32_t aac_sample_rate(std::uint8_t index);

/// Parses an AudioSpecificConfig. Refuses object type 0, reserved sampling frequency indices
/// (13, 14), an explicit rate of 0 and reserved channel configurations (8..10, 15). Signalling of
/// SBR/PS is recognised both explicitly (object type 5/29 with its extension sampling frequency)
/// and backward compatibly (the 0x2B7 sync extension after a GASpecificConfig).
Result<AacConfig> parse_audio_specific_config(std::span<const std::uint8_t> asc);

}  // namespace minirtc::flv
