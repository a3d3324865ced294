#include "flv/media_info.hpp"

#include <cmath>
#include <cstdio>

#include "flv/aac.hpp"
#include "flv/audio.hpp"
#include "flv/avc.hpp"
#include "flv/video.hpp"

namespace minirtc::flv {
namespace {

std::string_view legacy_video_codec_name(std::uint8_t codec_id) {
  switch (codec_id) {
    case 1:
      return "JPEG";
    case video_codec::kSorenson:
      return "Sorenson H.263";
    case video_codec::kScreen:
      return "Screen Video";
    case video_codec::kVp6:
      return "VP6";
    case video_codec::kVp6Alpha:
      return "VP6 Alpha";
    case video_codec::kScreen2:
      return "Screen Video 2";
    case video_codec::kAvc:
      return "H.264";
    case video_codec::kHevc:
      return "HEVC";
    default:
      return "Unknown";
  }
}

std::string fourcc_name(std::uint32_t cc) {
  if (cc == fourcc('a', 'v', 'c', '1')) return "H.264";
  if (cc == fourcc('h', 'v', 'c', '1')) return "HEVC";
  if (cc == fourcc('a', 'v', '0', '1')) return "AV1";
  if (cc == fourcc('v', 'p', '0', '9')) return "VP9";
  if (cc == fourcc('v', 'p', '0', '8')) return "VP8";
  if (cc == fourcc('m', 'p', '4', 'a')) return "AAC";
  if (cc == fourcc('O', 'p', 'u', 's')) return "Opus";
  if (cc == fourcc('f', 'L', 'a', 'C')) return "FLAC";
  if (cc == fourcc('a', 'c', '-', '3')) return "AC-3";
  if (cc == fourcc('e', 'c', '-', '3')) return "E-AC-3";
  if (cc == fourcc('.', 'm', 'p', '3')) return "MP3";
  std::string s;
  for (int shift = 24; shift >= 0; shift -= 8) {
    const char c = static_cast<char>(cc >> shift);
    s.push_back(c >= 0x20 && c < 0x7F ? c : '?');
  }
  return s;
}

std::string_view legacy_audio_codec_name(std::uint8_t format) {
  switch (format) {
    case sound_format::kLinearPcmPlatform:
      return "PCM";
    case sound_format::kAdpcm:
      return "ADPCM";
    case sound_format::kMp3:
      return "MP3";
    case sound_format::kLinearPcmLe:
      return "PCM LE";
    case sound_format::kNellymoser16kMono:
    case sound_format::kNellymoser8kMono:
    case sound_format::kNellymoser:
      return "Nellymoser";
    case sound_format::kG711ALaw:
      return "G.711 A-law";
    case sound_format::kG711MuLaw:
      return "G.711 mu-law";
    case sound_format::kAac:
      return "AAC";
    case sound_format::kSpeex:
      return "Speex";
    case sound_format::kMp3_8k:
      return "MP3";
    case sound_format::kDeviceSpecific:
      return "Device-specific";
    default:
      return "Unknown";
  }
}

Status update_video(MediaInfo& info, std::span<const std::uint8_t> payload) {
  auto tag = parse_video_tag(payload);
  if (!tag) return tag.error();
  if (tag->frame_type == frame_type::kCommand) return {};
  const bool has_headers =
      tag->codec_id == video_codec::kAvc || tag->codec_id == video_codec::kHevc || tag->enhanced;
  if (has_headers && !tag->sequence_header()) return {};
  if (!has_headers) {
    // No sequence header exists for these codecs: the frames themselves name the codec.
    info.has_video = true;
    info.video_codec = std::string(legacy_video_codec_name(tag->codec_id));
    info.video_profile.clear();
    info.video_level = 0;
    return {};
  }
  if (tag->codec_id == video_codec::kAvc) {
    auto cfg = parse_avc_decoder_config(tag->body);
    if (!cfg) return cfg.error();
    info.has_video = true;
    info.video_codec = "H.264";
    info.video_profile =
        std::string(h264_profile_name(cfg->info.profile_idc, cfg->info.constraint_flags));
    info.video_level = cfg->info.level_idc;
    info.width = cfg->info.width;
    info.height = cfg->info.height;
    info.fps = cfg->info.fps;
    return {};
  }
  // Another codec with a configuration record we do not parse: name it, size unknown.
  info.has_video = true;
  info.video_codec = tag->enhanced ? fourcc_name(tag->fourcc)
                                   : std::string(legacy_video_codec_name(tag->codec_id));
  info.video_profile.clear();
  info.video_level = 0;
  info.width = info.height = 0;
  info.fps = 0;
  return {};
}

Status update_audio(MediaInfo& info, std::span<const std::uint8_t> payload) {
  auto tag = parse_audio_tag(payload);
  if (!tag) return tag.error();
  if (tag->is_aac()) {
    if (!tag->sequence_header()) return {};
    auto asc = parse_audio_specific_config(tag->body);
    if (!asc) return asc.error();
    info.has_audio = true;
    info.audio_codec = "AAC";
    info.audio_profile = std::string(aac_profile_name(asc->core_object_type, asc->sbr, asc->ps));
    info.sample_rate = asc->sample_rate;
    info.channels = asc->channels;
    return {};
  }
  if (tag->enhanced) {
    if (!tag->sequence_header()) return {};
    info.has_audio = true;
    info.audio_codec = fourcc_name(tag->fourcc);
    info.audio_profile.clear();
    info.sample_rate = 0;
    info.channels = 0;
    return {};
  }
  // Legacy formats without a sequence header: the tag's own bits are the truth.
  static constexpr std::uint32_t kRates[4] = {5512, 11025, 22050, 44100};
  info.has_audio = true;
  info.audio_codec = std::string(legacy_audio_codec_name(tag->sound_format));
  info.audio_profile.clear();
  switch (tag->sound_format) {
    case sound_format::kNellymoser16kMono:
      info.sample_rate = 16000;
      break;
    case sound_format::kNellymoser8kMono:
    case sound_format::kG711ALaw:
    case sound_format::kG711MuLaw:
    case sound_format::kMp3_8k:
      info.sample_rate = 8000;
      break;
    case sound_format::kSpeex:
      info.sample_rate = 16000;
      break;
    default:
      info.sample_rate = kRates[tag->sound_rate];
      break;
  }
  info.channels = static_cast<std::uint8_t>(tag->sound_type + 1);
  return {};
}

}  // namespace

std::string_view h264_profile_name(std::uint8_t profile_idc, std::uint8_t constraint_flags) {
  const bool set1 = constraint_flags & 0x40;
  const bool set3 = constraint_flags & 0x10;
  switch (profile_idc) {
    case 66:
      return set1 ? "Constrained Baseline" : "Baseline";
    case 77:
      return "Main";
    case 88:
      return "Extended";
    case 100:
      return "High";
    case 110:
      return set3 ? "High 10 Intra" : "High 10";
    case 122:
      return set3 ? "High 4:2:2 Intra" : "High 4:2:2";
    case 244:
      return set3 ? "High 4:4:4 Intra" : "High 4:4:4 Predictive";
    case 44:
      return "CAVLC 4:4:4 Intra";
    case 83:
      return "Scalable Baseline";
    case 86:
      return "Scalable High";
    case 118:
      return "Multiview High";
    case 128:
      return "Stereo High";
    case 134:
      return "MFC High";
    case 135:
      return "MFC Depth High";
    case 138:
      return "Multiview Depth High";
    case 139:
      return "Enhanced Multiview Depth High";
    default:
      return "Unknown";
  }
}

std::string_view aac_profile_name(std::uint8_t object_type, bool sbr, bool ps) {
  if (ps) return "HE-AACv2";
  if (sbr) return "HE-AAC";
  switch (object_type) {
    case 1:
      return "Main";
    case 2:
      return "LC";
    case 3:
      return "SSR";
    case 4:
      return "LTP";
    case 23:
      return "LD";
    case 39:
      return "ELD";
    default:
      return "Unknown";
  }
}

Status update_media_info(MediaInfo& info, TagType type, std::span<const std::uint8_t> payload) {
  switch (type) {
    case TagType::Video:
      return update_video(info, payload);
    case TagType::Audio:
      return update_audio(info, payload);
    case TagType::Script:
      return {};
  }
  return {};
}

std::string describe(const MediaInfo& info) {
  std::string out;
  if (info.has_video) {
    out += info.video_codec;
    if (!info.video_profile.empty()) out += " " + info.video_profile;
    if (info.video_level) {
      out +=
          " " + std::to_string(info.video_level / 10) + "." + std::to_string(info.video_level % 10);
    }
    if (info.width && info.height) {
      out += " " + std::to_string(info.width) + "x" + std::to_string(info.height);
    }
    if (info.fps > 0) {
      char fps[32];
      const double rounded = std::round(info.fps * 100) / 100;
      std::snprintf(fps, sizeof fps, "%g", rounded);
      out += std::string(" ") + fps + "fps";
    }
  }
  if (info.has_audio) {
    if (!out.empty()) out += ", ";
    out += info.audio_codec;
    if (!info.audio_profile.empty()) out += " " + info.audio_profile;
    if (info.sample_rate) out += " " + std::to_string(info.sample_rate) + " Hz";
    if (info.channels) out += " " + std::to_string(info.channels) + "ch";
  }
  return out.empty() ? "no media" : out;
}

}  // namespace minirtc::flv
