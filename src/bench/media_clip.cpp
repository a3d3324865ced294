#include "bench/media_clip.hpp"

#include <fstream>
#include <iterator>

#include "flv/audio.hpp"
#include "flv/demuxer.hpp"
#include "flv/video.hpp"

namespace minirtc::bench {

Result<MediaClip> parse_clip(std::span<const std::uint8_t> file) {
  flv::Demuxer demuxer;
  std::vector<flv::Tag> tags;
  if (auto st = demuxer.feed(file, tags); !st) return st.error();
  MediaClip clip;
  std::uint32_t first = 0, last = 0;
  bool any = false;
  for (auto& t : tags) {
    ClipTag ct;
    if (t.type == flv::TagType::Script) {
      ct.header = true;
    } else if (t.type == flv::TagType::Video) {
      auto info = flv::parse_video_tag(t.data.span());
      if (!info) continue;  // unparsable video tag: leave it out rather than confuse viewers
      ct.header = info->sequence_header();
      ct.keyframe = info->keyframe() && !ct.header;
    } else {
      auto info = flv::parse_audio_tag(t.data.span());
      if (!info) continue;
      ct.header = info->sequence_header();
    }
    if (t.type != flv::TagType::Script) {
      if (!any) first = t.timestamp;
      any = true;
      last = std::max(last, t.timestamp);
      if (!ct.header) clip.media_bytes += t.data.size();
    }
    ct.tag = std::move(t);
    clip.tags.push_back(std::move(ct));
  }
  if (!any) return make_error("the FLV file has no audio or video tags");
  // Start the timeline at 0 so a viewer's timestamps equal the publisher's from the first tag.
  for (auto& ct : clip.tags)
    ct.tag.timestamp = ct.tag.timestamp >= first ? ct.tag.timestamp - first : 0;
  clip.duration_ms = last - first + 40;
  bool has_media_body = false;
  for (const auto& ct : clip.tags) has_media_body |= !ct.header;
  if (!has_media_body) return make_error("the FLV file has only headers");
  return clip;
}

Result<MediaClip> load_clip(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error("cannot open " + path);
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                  std::istreambuf_iterator<char>());
  auto clip = parse_clip(bytes);
  if (!clip) return with_context(clip.error(), path);
  return clip;
}

std::uint32_t ClipCursor::timestamp() const {
  return tag().tag.timestamp + pass_ * clip_->duration_ms;
}

void ClipCursor::advance() {
  if (++index_ == clip_->tags.size()) {
    index_ = 0;
    ++pass_;
  }
  skip_headers_if_needed();
}

void ClipCursor::skip_headers_if_needed() {
  // parse_clip guarantees at least one non-header tag, so this ends.
  while (pass_ > 0 && clip_->tags[index_].header) {
    if (++index_ == clip_->tags.size()) {
      index_ = 0;
      ++pass_;
    }
  }
}

}  // namespace minirtc::bench
