// libFuzzer target: the codec-header parsers (AVC decoder configuration record, SPS,
// AudioSpecificConfig, NAL unit splitting) and the video/audio tag header parsers, with a few
// consistency checks on what they return.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "flv/aac.hpp"
#include "flv/audio.hpp"
#include "flv/avc.hpp"
#include "flv/media_info.hpp"
#include "flv/video.hpp"

namespace flv = minirtc::flv;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> in(data, size);

  if (auto cfg = flv::parse_avc_decoder_config(in)) {
    if (cfg->sps.empty() || cfg->info.width == 0 || cfg->info.height == 0) std::abort();
    if (cfg->info.width > cfg->info.coded_width || cfg->info.height > cfg->info.coded_height) {
      std::abort();
    }
  }
  if (auto sps = flv::parse_sps(in)) {
    if (sps->width == 0 || sps->height == 0 || sps->width > 32768 || sps->height > 65536) {
      std::abort();
    }
  }
  if (auto asc = flv::parse_audio_specific_config(in)) {
    if (asc->sample_rate == 0 || asc->object_type == 0) std::abort();
  }
  for (std::uint8_t length_size : {1, 2, 4}) {
    if (auto units = flv::split_nal_units(in, length_size)) {
      for (const auto& u : *units) {
        if (u.empty() || u.data() < in.data() || u.data() + u.size() > in.data() + in.size()) {
          std::abort();
        }
      }
    }
  }
  if (auto video = flv::parse_video_tag(in)) {
    if (video->body.size() > in.size()) std::abort();
    if (video->sequence_header() && video->is_avc())
      (void)flv::parse_avc_decoder_config(video->body);
    if (video->is_avc() && video->avc_packet_type == flv::avc_packet::kNalu) {
      (void)flv::contains_idr(video->body, 4);
    }
  }
  if (auto audio = flv::parse_audio_tag(in)) {
    if (audio->body.size() > in.size()) std::abort();
    if (audio->sequence_header() && audio->is_aac()) {
      (void)flv::parse_audio_specific_config(audio->body);
    }
  }
  flv::MediaInfo info;
  (void)flv::update_media_info(info, flv::TagType::Video, in);
  (void)flv::update_media_info(info, flv::TagType::Audio, in);
  (void)flv::describe(info);
  return 0;
}
