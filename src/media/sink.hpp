#pragma once
// What the hub needs from the connections around it. Connections (RTMP, HTTP-FLV, WebSocket-FLV)
// implement these; the hub never sees a socket.

#include <cstdint>
#include <string>
#include <string_view>

#include "media/packet.hpp"

namespace minirtc::media {

struct ViewerStats {
  std::uint64_t bytes_out = 0;
  std::uint64_t dropped_video = 0;
  std::uint64_t dropped_audio = 0;
  std::size_t queued_packets = 0;
};

/// A playing connection.
class ViewerSink {
 public:
  virtual ~ViewerSink() = default;
  /// Queues a packet for sending. Must not call back into the hub synchronously.
  virtual void deliver(const PacketPtr& packet) = 0;
  /// Queues a packet of the viewer's start (metadata, sequence headers, GOP cache): a backlog
  /// that the viewer's delay bounds must not count as lag.
  virtual void deliver_backlog(const PacketPtr& packet) { deliver(packet); }
  /// Ends playback (revoked URL, kicked viewer, shutdown). Must not re-enter the hub synchronously.
  virtual void close_viewer(std::string_view reason) = 0;
  /// muteRemote: this viewer's own audio/video filter.
  virtual void set_remote_mute(bool audio, bool video) = 0;
  /// The userId that watches (the `v` of the play URL).
  virtual const std::string& viewer_id() const = 0;
  virtual ViewerStats viewer_stats() const = 0;
  /// Another node pulling the stream through this one (server/relay), not a viewer of this node:
  /// it does not make this node relay the stream from elsewhere (relays are one hop).
  virtual bool relay_downstream() const { return false; }
};

/// A publishing connection.
class PublisherHandle {
 public:
  virtual ~PublisherHandle() = default;
  /// Ends publishing (taken over, idle, revoked, shutdown). Called synchronously by the hub: the
  /// connection must forget its source at once and close itself later. `for_good`: the end is
  /// not to come back by itself: the room closed the stream on purpose (Hub::close_stream's
  /// `for_good`), or another publisher took it over. A publisher that carries another server's
  /// push (a forwarded push, server/push_forward.hpp) tells that server, which then closes its
  /// encoder instead of publishing again.
  virtual void close_publisher(std::string_view reason, bool for_good) = 0;
  /// Whether the stream is published on this node. A relay's upstream (server/relay) mirrors a
  /// stream published on another node, whose room lives there: the hub does not announce it live
  /// or ended, so this node's rooms never see it.
  virtual bool local() const { return true; }
  /// Whether this publisher's first GOP replays another server's start sequence: a relay's
  /// upstream receives the origin's GOP cache in one burst, seconds of media at once. Viewers
  /// already attached then get that GOP as their start backlog (ViewerSink::deliver_backlog, as a
  /// joining viewer gets the GOP cache): their delay bound would otherwise count the burst as lag
  /// and drop it, and their first picture would wait for the origin's next keyframe.
  virtual bool replays_start() const { return false; }
};

}  // namespace minirtc::media
