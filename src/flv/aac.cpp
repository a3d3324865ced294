#include "flv/aac.hpp"

#include <optional>
#include <string>

#include "flv/bit_reader.hpp"

namespace minirtc::flv {
namespace {

constexpr std::uint32_t kSampleRates[13] = {96000, 88200, 64000, 48000, 44100, 32000, 24000,
                                            22050, 16000, 12000, 11025, 8000,  7350};
constexpr std::uint16_t kSyncExtensionSbr = 0x2B7;
constexpr std::uint16_t kSyncExtensionPs = 0x548;

std::optional<std::uint8_t> read_object_type(BitReader& r) {
  auto type = r.bits(5);
  if (!type) return std::nullopt;
  if (*type == aac_object::kEscape) {
    auto ext = r.bits(6);
    if (!ext) return std::nullopt;
    return static_cast<std::uint8_t>(32 + *ext);
  }
  return static_cast<std::uint8_t>(*type);
}

struct Frequency {
  std::uint8_t index;
  std::uint32_t rate;
};

Result<Frequency> read_frequency(BitReader& r) {
  auto index = r.bits(4);
  if (!index) return make_error("AAC config: truncated sampling frequency");
  if (*index == 15) {
    auto rate = r.bits(24);
    if (!rate) return make_error("AAC config: truncated explicit sampling frequency");
    if (*rate == 0) return make_error("AAC config: sampling frequency 0");
    return Frequency{15, *rate};
  }
  if (*index > 12) {
    return make_error("AAC config: reserved sampling frequency index " + std::to_string(*index));
  }
  return Frequency{static_cast<std::uint8_t>(*index), kSampleRates[*index]};
}

// Object types that use GASpecificConfig (Table 1.15).
bool general_audio(std::uint8_t type) {
  switch (type) {
    case 1:
    case 2:
    case 3:
    case 4:
    case 6:
    case 7:
    case 17:
    case 19:
    case 20:
    case 21:
    case 22:
    case 23:
      return true;
    default:
      return false;
  }
}

// GASpecificConfig (4.4.1), skipped so that a backward-compatible extension after it can be
// found. False when it cannot be skipped (truncated, or a program_config_element we do not parse).
bool skip_ga_specific_config(BitReader& r, std::uint8_t type, std::uint8_t channel_config) {
  if (channel_config == 0) return false;  // program_config_element follows: not worth parsing
  if (!r.skip(1)) return false;           // frameLengthFlag
  auto depends = r.flag();                // dependsOnCoreCoder
  if (!depends || (*depends && !r.skip(14))) return false;
  auto extension = r.flag();
  if (!extension) return false;
  if ((type == 6 || type == 20) && !r.skip(3)) return false;  // layerNr
  if (*extension) {
    if (type == 22 && !r.skip(5 + 11)) return false;  // numOfSubFrame, layer_length
    if ((type == 17 || type == 19 || type == 20 || type == 23) && !r.skip(3)) return false;
    if (!r.skip(1)) return false;  // extensionFlag3
  }
  if (type == 17 || (type >= 19 && type <= 23)) {
    auto ep = r.bits(2);                // epConfig
    if (!ep || *ep >= 2) return false;  // error-protection specific config: not handled
  }
  return true;
}

}  // namespace

std::uint32_t aac_sample_rate(std::uint8_t index) {
  return index < 13 ? kSampleRates[index] : 0;
}

Result<AacConfig> parse_audio_specific_config(std::span<const std::uint8_t> asc) {
  if (asc.size() > kMaxAudioSpecificConfigSize) return make_error("AAC config: too large");
  BitReader r(asc);
  AacConfig cfg;
  auto type = read_object_type(r);
  if (!type) return make_error("AAC config: truncated object type");
  if (*type == 0) return make_error("AAC config: null object type");
  cfg.object_type = *type;
  auto core_freq = read_frequency(r);
  if (!core_freq) return core_freq.error();
  auto channel_config = r.bits(4);
  if (!channel_config) return make_error("AAC config: truncated channel configuration");
  cfg.channel_config = static_cast<std::uint8_t>(*channel_config);
  static constexpr std::int8_t kChannels[16] = {0,  1,  2,  3, 4, 5,  6, 8,
                                                -1, -1, -1, 7, 8, 24, 8, -1};
  if (kChannels[cfg.channel_config] < 0) {
    return make_error("AAC config: reserved channel configuration " +
                      std::to_string(cfg.channel_config));
  }
  cfg.channels = static_cast<std::uint8_t>(kChannels[cfg.channel_config]);
  cfg.sample_rate_index = core_freq->index;
  cfg.core_sample_rate = core_freq->rate;
  cfg.sample_rate = core_freq->rate;
  cfg.core_object_type = cfg.object_type;

  if (cfg.object_type == aac_object::kSbr || cfg.object_type == aac_object::kPs) {
    // Explicit (hierarchical) signalling: the extension's rate, then the core object type.
    cfg.sbr = true;
    cfg.ps = cfg.object_type == aac_object::kPs;
    auto ext_freq = read_frequency(r);
    if (!ext_freq) return ext_freq.error();
    cfg.sample_rate = ext_freq->rate;
    auto core = read_object_type(r);
    if (!core) return make_error("AAC config: truncated core object type");
    if (*core == 0 || *core == aac_object::kSbr || *core == aac_object::kPs) {
      return make_error("AAC config: bad core object type " + std::to_string(*core));
    }
    cfg.core_object_type = *core;
    if (*core == 22 && !r.skip(4)) {  // extensionChannelConfiguration (ER BSAC)
      return make_error("AAC config: truncated");
    }
  } else if (general_audio(cfg.object_type) &&
             skip_ga_specific_config(r, cfg.object_type, cfg.channel_config) &&
             r.bits_left() >= 16) {
    // Backward-compatible signalling: a sync extension after the core's config.
    auto sync = r.bits(11);
    if (sync && *sync == kSyncExtensionSbr) {
      auto ext_type = read_object_type(r);
      if (ext_type && *ext_type == aac_object::kSbr) {
        auto present = r.flag();
        if (present && *present) {
          auto ext_freq = read_frequency(r);
          if (!ext_freq) return ext_freq.error();
          cfg.sbr = true;
          cfg.sample_rate = ext_freq->rate;
          if (r.bits_left() >= 12) {
            auto sync_ps = r.bits(11);
            auto ps = r.flag();
            if (sync_ps && *sync_ps == kSyncExtensionPs && ps && *ps) cfg.ps = true;
          }
        }
      }
    }
  }
  // Parametric stereo decodes a mono core into two channels.
  if (cfg.ps && cfg.channel_config == 1) cfg.channels = 2;
  return cfg;
}

}  // namespace minirtc::flv
