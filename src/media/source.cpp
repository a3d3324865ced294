#include "media/source.hpp"

#include <algorithm>
#include <string>

#include "flv/aac.hpp"
#include "flv/audio.hpp"
#include "flv/avc.hpp"
#include "flv/media_info.hpp"
#include "flv/video.hpp"

namespace minirtc::media {

Source::Source(StreamId id, GopLimits gop_limits, bool gop_cache_enabled,
               std::uint32_t max_timestamp_lead_ms)
    : id_(std::move(id)),
      gop_cache_enabled_(gop_cache_enabled),
      gop_(gop_limits),
      timeline_(max_timestamp_lead_ms) {}

void Source::begin_publish(PublisherHandle* publisher, std::uint64_t now_ms) {
  if (stats_.publishing && publisher_ != publisher) ++stats_.takeovers;
  publisher_ = publisher;
  stats_.publishing = true;
  stats_.live = false;
  stats_.publish_started_ms = now_ms;
  publish_base_bytes_ = stats_.bytes_in;
  last_media_ms_ = now_ms;
  timeline_.restart();
  // Frames of the previous encoder cannot follow the new one's sequence headers, and viewers
  // still attached take the new encoder's video from its first keyframe.
  gop_.clear();
  video_resume_pending_ = true;
  last_keyframe_ts_.reset();
  start_backlog_ = publisher && publisher->replays_start() && gop_cache_enabled_;
  start_keyframe_seen_ = false;
}

void Source::end_publish() {
  publisher_ = nullptr;
  stats_.publishing = false;
  stats_.live = false;
  gop_.clear();
  start_backlog_ = false;
}

bool Source::forwarded(const Packet& p) const noexcept {
  if (!p.droppable()) return true;
  if (p.kind == PacketKind::Audio) return !mute_audio_;
  return !mute_video_ && !video_resume_pending_;
}

IngestResult Source::ingest(PacketKind kind, std::uint32_t timestamp, SharedBuffer payload,
                            std::uint64_t now_ms) {
  IngestResult result;
  bool keyframe = false, sequence_header = false;
  if (kind == PacketKind::Video) {
    auto tag = flv::parse_video_tag(payload.span());
    if (!tag) {
      ++stats_.bad_messages;
      return result;
    }
    keyframe = tag->keyframe();
    sequence_header = tag->sequence_header();
    if (tag->end_of_sequence()) return result;
    if (sequence_header && tag->is_avc()) {
      if (auto cfg = flv::parse_avc_decoder_config(tag->body)) {
        stats_.width = cfg->info.width;
        stats_.height = cfg->info.height;
        stats_.video_codec =
            "H.264 " +
            std::string(flv::h264_profile_name(cfg->info.profile_idc, cfg->info.constraint_flags)) +
            ' ' + std::to_string(cfg->info.level_idc / 10) + '.' +
            std::to_string(cfg->info.level_idc % 10);
      } else {
        ++stats_.bad_messages;
      }
    }
  } else if (kind == PacketKind::Audio) {
    auto tag = flv::parse_audio_tag(payload.span());
    if (!tag) {
      ++stats_.bad_messages;
      return result;
    }
    sequence_header = tag->sequence_header();
    if (sequence_header && tag->is_aac()) {
      if (auto asc = flv::parse_audio_specific_config(tag->body)) {
        stats_.audio_codec =
            "AAC " + std::string(flv::aac_profile_name(asc->core_object_type, asc->sbr, asc->ps)) +
            ' ' + std::to_string(asc->sample_rate) + " Hz " + std::to_string(asc->channels) + " ch";
      } else {
        ++stats_.bad_messages;
      }
    }
  }

  const bool frame = !sequence_header && (kind == PacketKind::Audio || kind == PacketKind::Video);
  const std::uint32_t ts =
      frame ? timeline_.frame(kind == PacketKind::Audio ? Track::Audio : Track::Video, timestamp,
                              now_ms)
            : timeline_.position(timestamp);
  const std::size_t size = payload.size();
  auto packet = make_media_packet(kind, ts, keyframe, sequence_header, std::move(payload));
  stats_.bytes_in += size;
  // Only frames keep a publisher alive: one that sends nothing but metadata or headers is idle.
  if (frame) last_media_ms_ = now_ms;

  switch (kind) {
    case PacketKind::Metadata:
      metadata_ = packet;
      break;
    case PacketKind::Video:
      video_rate_.add(size, now_ms);
      if (sequence_header) {
        // A new encoder configuration (the pusher changed resolution): cached frames are stale.
        if (video_header_ && video_header_->payload.view() != packet->payload.view()) gop_.clear();
        video_header_ = packet;
        break;
      }
      ++stats_.video_frames;
      frame_rate_.add(1, now_ms);
      if (keyframe) {
        // The second keyframe of a replayed start: the origin's burst is over, this is live.
        if (start_keyframe_seen_) start_backlog_ = false;
        start_keyframe_seen_ = true;
        ++stats_.keyframes;
        if (last_keyframe_ts_) stats_.gop_ms = ts - *last_keyframe_ts_;
        last_keyframe_ts_ = ts;
        if (video_resume_pending_) video_resume_pending_ = false;
      }
      if (gop_cache_enabled_) gop_.push(packet);
      break;
    case PacketKind::Audio:
      audio_rate_.add(size, now_ms);
      if (sequence_header) {
        audio_header_ = packet;
        break;
      }
      ++stats_.audio_frames;
      if (gop_cache_enabled_) gop_.push(packet);
      break;
    case PacketKind::Control:
      break;
  }

  if (!stats_.live && packet->droppable()) {
    stats_.live = true;
    result.became_live = true;
  }
  result.has_audio = audio_header_ != nullptr || stats_.audio_frames > 0;
  result.has_video = video_header_ != nullptr || stats_.video_frames > 0;
  // A replayed start stays backlog while the GOP cache holds it: a GOP too long to cache is
  // measured like live media (the cache cleared itself, so it no longer has a keyframe).
  if (start_backlog_ && start_keyframe_seen_ && !gop_.has_keyframe()) start_backlog_ = false;
  if (forwarded(*packet)) fan_out(packet, start_backlog_);
  return result;
}

void Source::fan_out(const PacketPtr& packet, bool backlog) {
  for (auto* v : viewers_) {
    if (backlog)
      v->deliver_backlog(packet);
    else
      v->deliver(packet);
  }
}

void Source::add_viewer(ViewerSink* viewer) {
  viewers_.push_back(viewer);
  send_start_sequence(viewer);
}

void Source::send_start_sequence(ViewerSink* viewer) const {
  if (metadata_) viewer->deliver_backlog(metadata_);
  if (video_header_) viewer->deliver_backlog(video_header_);
  if (audio_header_) viewer->deliver_backlog(audio_header_);
  for (const auto& p : gop_.packets())
    if (forwarded(*p)) viewer->deliver_backlog(p);
}

bool Source::remove_viewer(ViewerSink* viewer) {
  auto it = std::find(viewers_.begin(), viewers_.end(), viewer);
  if (it == viewers_.end()) return false;
  auto s = viewer->viewer_stats();
  departed_bytes_out_ += s.bytes_out;
  departed_dropped_ += s.dropped_video + s.dropped_audio;
  viewers_.erase(it);
  return true;
}

void Source::set_mute(bool audio, bool video) {
  if (mute_video_ && !video) video_resume_pending_ = true;
  mute_audio_ = audio;
  mute_video_ = video;
  stats_.mute_audio = audio;
  stats_.mute_video = video;
}

StreamStats Source::stats(std::uint64_t now_ms) {
  StreamStats s = stats_;
  s.video_kbps = video_rate_.per_second(now_ms) * 8 / 1000;
  s.audio_kbps = audio_rate_.per_second(now_ms) * 8 / 1000;
  s.fps = frame_rate_.per_second(now_ms);
  s.viewers = viewers_.size();
  s.bytes_out = departed_bytes_out_;
  s.dropped_frames = departed_dropped_;
  for (auto* v : viewers_) {
    auto vs = v->viewer_stats();
    s.bytes_out += vs.bytes_out;
    s.dropped_frames += vs.dropped_video + vs.dropped_audio;
  }
  return s;
}

}  // namespace minirtc::media
