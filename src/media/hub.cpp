#include "media/hub.hpp"

namespace minirtc::media {

Source& Hub::get_or_create(const StreamId& id) {
  auto it = sources_.find(id);
  if (it != sources_.end()) return *it->second;
  auto source =
      std::make_unique<Source>(id, config_.gop, config_.gop_cache, config_.max_timestamp_lead_ms);
  if (auto m = mutes_.find(id); m != mutes_.end())
    source->set_mute(m->second.audio, m->second.video);
  return *sources_.emplace(id, std::move(source)).first->second;
}

void Hub::erase_if_idle(Source& source) {
  if (source.idle()) sources_.erase(source.id());
}

Source& Hub::publish(const StreamId& id, PublisherHandle* publisher, std::uint64_t now_ms) {
  Source& source = get_or_create(id);
  PublisherHandle* old = source.publisher();
  // Takeover: the stream stays up for its viewers and no end is announced; the new publisher's
  // media follows at once (the pusher reconnected before its old connection was seen dead). The
  // new publisher is in place before the old one hears of it, so an unpublish from the old one
  // is already a no-op (and counted as a takeover by the source).
  if (old && old != publisher) publisher_departs(source);
  source.begin_publish(publisher, now_ms);
  if (old && old != publisher) old->close_publisher("taken over by a new publisher", true);
  return source;
}

void Hub::unpublish(Source& source, PublisherHandle* publisher, const StreamEnd& how) {
  if (source.publisher() != publisher) return;
  publisher_departs(source);
  const bool was_announced = source.announced_live();
  source.set_announced_live(false);
  source.end_publish();
  const StreamId id = source.id();
  erase_if_idle(source);
  if (was_announced && on_ended_) on_ended_(id, how);
}

void Hub::ingest(Source& source, PacketKind kind, std::uint32_t timestamp, SharedBuffer payload,
                 std::uint64_t now_ms) {
  auto r = source.ingest(kind, timestamp, std::move(payload), now_ms);
  if (!r.became_live || !source.publisher() || !source.publisher()->local()) return;
  source.set_announced_live(true);
  if (on_live_) on_live_(source.id(), r.has_audio, r.has_video);
}

Source& Hub::attach(const StreamId& id, ViewerSink* viewer) {
  Source& source = get_or_create(id);
  if (auto m = viewer_mutes_.find(stream_key(id) + '|' + viewer->viewer_id());
      m != viewer_mutes_.end())
    viewer->set_remote_mute(m->second.audio, m->second.video);
  source.add_viewer(viewer);
  if (on_viewers_) on_viewers_(id);
  return source;
}

void Hub::publisher_departs(const Source& source) {
  if (!on_departure_ || !source.publisher()) return;
  on_departure_(source.id(), {.who = source.publisher(),
                              .publisher = true,
                              .viewer_id = {},
                              .bytes = source.publish_bytes_in(),
                              .width = source.width(),
                              .height = source.height()});
}

void Hub::detach(Source& source, ViewerSink* viewer) {
  if (source.remove_viewer(viewer) && on_departure_)
    on_departure_(source.id(), {.who = viewer,
                                .publisher = false,
                                .viewer_id = viewer->viewer_id(),
                                .bytes = viewer->viewer_stats().bytes_out,
                                .width = source.width(),
                                .height = source.height()});
  const StreamId id = source.id();
  erase_if_idle(source);
  if (on_viewers_) on_viewers_(id);
}

void Hub::set_stream_mute(const StreamId& id, bool audio, bool video) {
  if (!audio && !video)
    mutes_.erase(id);
  else
    mutes_[id] = Mute{audio, video};
  if (auto* s = find(id)) s->set_mute(audio, video);
}

void Hub::set_viewer_mute(const StreamId& id, const std::string& viewer, bool audio, bool video) {
  const auto key = stream_key(id) + '|' + viewer;
  if (!audio && !video)
    viewer_mutes_.erase(key);
  else
    viewer_mutes_[key] = Mute{audio, video};
  if (auto* s = find(id))
    for (auto* v : s->viewers())
      if (v->viewer_id() == viewer) v->set_remote_mute(audio, video);
}

void Hub::drop_publisher(Source& source, const StreamEnd& how, bool for_good) {
  PublisherHandle* publisher = source.publisher();
  if (!publisher) return;
  // close_publisher() makes the connection forget its source at once, so it will never call
  // unpublish(): the hub ends the publish itself (announcing the end, maybe erasing the source).
  unpublish(source, publisher, how);
  publisher->close_publisher(how.reason, for_good);
}

void Hub::sweep(std::uint64_t now_ms) {
  std::vector<StreamId> idle;
  for (auto& [id, source] : sources_) {
    // A packet stamped after `now_ms` (clocks read at different moments) is not idle.
    const auto last = source->last_media_ms();
    if (source->publisher() && now_ms > last && now_ms - last > config_.publisher_idle_timeout_ms)
      idle.push_back(id);
  }
  for (auto& id : idle)
    if (auto* s = find(id)) drop_publisher(*s, {"no media for the idle timeout", true});
}

void Hub::close_stream(const StreamId& id, std::string_view reason, bool for_good) {
  Source* source = find(id);
  if (!source) return;
  const std::vector<ViewerSink*> viewers = source->viewers();
  // May erase a source without viewers.
  drop_publisher(*source, {std::string(reason), false}, for_good);
  for (auto* v : viewers) v->close_viewer(reason);
}

void Hub::close_all(std::string_view reason) {
  std::vector<StreamId> ids;
  for (auto& [id, source] : sources_) ids.push_back(id);
  for (auto& id : ids) close_stream(id, reason);
}

Source* Hub::find(const StreamId& id) {
  auto it = sources_.find(id);
  return it == sources_.end() ? nullptr : it->second.get();
}

}  // namespace minirtc::media
