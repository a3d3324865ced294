#pragma once
// The stream hub: every stream of every app, by StreamId. Publishers take streams (a second
// publisher takes over at once), viewers attach before or after the publisher, idle publishers
// are swept, and the signalling plane hears when a stream goes live or ends. Whoever counts
// traffic (call records) hears when a publisher or viewer leaves a stream and what it carried,
// while the source still exists: a source with nobody left is erased at once.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/ids.hpp"
#include "media/source.hpp"

namespace minirtc::media {

struct HubConfig {
  GopLimits gop;
  bool gop_cache = true;
  std::uint32_t publisher_idle_timeout_ms = 10000;  // no audio/video frame this long: dropped
  std::uint32_t max_timestamp_lead_ms = Timeline::kDefaultMaxLeadMs;  // media/timeline.hpp
};

/// How a publish ended: the publisher stopped it (unpublish), the server closed it, or it failed
/// (connection lost, protocol error, no media for the idle timeout).
struct StreamEnd {
  std::string reason = "publisher stopped";
  bool failed = false;
};

/// A publisher or viewer leaving a stream, and what it carried while it was attached.
struct Departure {
  const void* who = nullptr;  // the PublisherHandle or ViewerSink: identity only
  bool publisher = false;
  std::string_view viewer_id;  // a viewer's viewer_id()
  std::uint64_t bytes = 0;     // a publisher's bytes in since its publish began; a viewer's out
  std::uint32_t width = 0, height = 0;  // the stream's last video resolution (0: none seen)
};

class Hub {
 public:
  using LiveCallback = std::function<void(const StreamId&, bool has_audio, bool has_video)>;
  using EndedCallback = std::function<void(const StreamId&, const StreamEnd&)>;
  using ViewersCallback = std::function<void(const StreamId&)>;
  using DepartureCallback = std::function<void(const StreamId&, const Departure&)>;

  explicit Hub(HubConfig config = {}) : config_(config) {}
  void on_live(LiveCallback cb) { on_live_ = std::move(cb); }
  void on_ended(EndedCallback cb) { on_ended_ = std::move(cb); }
  /// A viewer attached to or detached from the stream (what the relay's demand follows).
  void on_viewers_changed(ViewersCallback cb) { on_viewers_ = std::move(cb); }
  /// A publisher's publish ended (unpublish, takeover, idle sweep, close) or a viewer detached.
  /// Called synchronously inside that hub call, before the source may be erased; it must not
  /// call the hub. One per departure; none for what is still attached (ask find() for that).
  void on_departure(DepartureCallback cb) { on_departure_ = std::move(cb); }

  /// Makes `publisher` the stream's publisher. A current publisher is closed first (takeover);
  /// viewers stay attached. The returned Source lives while it has a publisher or viewers.
  Source& publish(const StreamId& id, PublisherHandle* publisher, std::uint64_t now_ms);
  /// The publisher left (`how`: why); a no-op when it was already taken over. Viewers stay
  /// attached and get the next publisher's stream (the room decides how long they wait: it
  /// closes the stream).
  void unpublish(Source& source, PublisherHandle* publisher, const StreamEnd& how = {});
  /// A message from the stream's current publisher. Only a local() publisher's stream is
  /// announced live (and, later, ended).
  void ingest(Source& source, PacketKind kind, std::uint32_t timestamp, SharedBuffer payload,
              std::uint64_t now_ms);

  /// Attaches a viewer: it gets metadata, sequence headers and the GOP cache at once, then live
  /// media. A stream nobody publishes yet is created and waits for its publisher.
  Source& attach(const StreamId& id, ViewerSink* viewer);
  void detach(Source& source, ViewerSink* viewer);

  /// muteLocal, remembered for streams that are not published yet.
  void set_stream_mute(const StreamId& id, bool audio, bool video);
  /// muteRemote of one viewer (by userId), remembered for viewers that attach later.
  void set_viewer_mute(const StreamId& id, const std::string& viewer, bool audio, bool video);
  /// Closes publishers that sent no audio or video frame for the idle timeout (their publish ends
  /// as by unpublish). Metadata and sequence headers do not count.
  void sweep(std::uint64_t now_ms);
  /// Closes the publisher (its publish ends as by unpublish) and every viewer of a stream (kick,
  /// revoke, shutdown). Viewers stay attached until they detach. `for_good`: the room closes it
  /// on purpose (kick, forbid-publish, dismiss), not to come back by itself: the publisher's
  /// PublisherHandle::close_publisher says so.
  void close_stream(const StreamId& id, std::string_view reason, bool for_good = false);
  /// Closes every publisher and viewer (graceful shutdown).
  void close_all(std::string_view reason);

  Source* find(const StreamId& id);
  template <class F>
  void for_each(F&& f) {
    for (auto& [id, source] : sources_) f(*source);
  }
  std::size_t stream_count() const noexcept { return sources_.size(); }
  const HubConfig& config() const noexcept { return config_; }

 private:
  Source& get_or_create(const StreamId& id);
  void erase_if_idle(Source& source);
  /// Ends the current publish (as unpublish() would) and closes the publisher's connection.
  void drop_publisher(Source& source, const StreamEnd& how, bool for_good = false);
  /// Tells on_departure that the source's current publisher leaves (before end_publish).
  void publisher_departs(const Source& source);

  HubConfig config_;
  std::unordered_map<StreamId, std::unique_ptr<Source>, StreamIdHash> sources_;
  struct Mute {
    bool audio = false, video = false;
  };
  std::unordered_map<StreamId, Mute, StreamIdHash> mutes_;
  std::unordered_map<std::string, Mute> viewer_mutes_;  // by stream key + '|' + viewer
  LiveCallback on_live_;
  EndedCallback on_ended_;
  ViewersCallback on_viewers_;
  DepartureCallback on_departure_;
};

}  // namespace minirtc::media
