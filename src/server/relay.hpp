#pragma once
// Origin→edge relay, SRS's "edge": this node (the edge) serves viewers of a stream published on
// another node (the origin) by pulling it once over RTMP and fanning it out from its own hub, so
// its viewers get the GOP cache, merged writes, mutes and revocation as for a local stream.
//
// RelayManager applies the rule of server/relay_policy.hpp (one upstream per stream, opened on
// the first viewer, closed a grace after the last, retried with backoff) to the hub's demand: the
// hub reports viewer changes, the server's tick (twice a second) handles the grace, retries and
// local publishers. Where a stream is published comes from a hook, find_origin(stream): static
// edge mode (`--relay-origin`) names one origin for every stream not published here; the cluster
// answers it from its room directory, or looks the room's pin up and calls update() for the
// waiting streams as soon as it knows (so the upstream opens then, not at the next tick).
//
// RelayUpstream is one pull: an RTMP client on the node's event loop (server/rtmp_link: the
// connection, its deadline and read loop; rtmp::PlayClient does the protocol) playing the stream
// from the origin with a relay URL signed with the cluster secret (auth/url_signer.hpp), and
// publishing what it receives into the local hub as a non-local publisher
// (media::PublisherHandle::local() is false: the stream's room lives on the origin, so this node's
// rooms never see it). It begins publishing with the first media message and only while nobody of
// this node publishes the stream; the hub's idle sweep or a close of the stream only make it stop
// publishing (the next media starts again), a local publisher's takeover makes the manager close
// it.
//
// Memory and time: an upstream holds one 64 KiB read buffer and the decoder's bounded buffers
// (rtmp::ChunkLimits defaults); it must be playing within media.handshake_timeout_s of its start.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/ids.hpp"
#include "server/relay_policy.hpp"

namespace minirtc::server {

struct ServerContext;
class RelayUpstream;

class RelayManager {
 public:
  /// The origin of a stream as "rtmp://HOST:PORT", or nullopt: not relayed.
  using FindOrigin = std::function<std::optional<std::string>(const StreamId&)>;

  RelayManager(ServerContext& ctx, RelayTiming timing);
  ~RelayManager();

  void set_find_origin(FindOrigin find) { find_origin_ = std::move(find); }
  void set_timing(RelayTiming timing) { timing_ = timing; }

  /// The stream's viewers changed (posted from the hub's callback).
  void update(const StreamId& id);
  /// Grace, retries, local publishers, and streams whose viewers wait without an upstream.
  void tick(std::uint64_t now_ms);
  /// Closes every upstream and opens no more (server shutdown).
  void shutdown();

  /// Open upstreams (connecting or playing): the minirtc_relay_upstreams gauge.
  std::size_t upstreams() const noexcept;

 private:
  friend class RelayUpstream;
  struct Entry {
    RelayState state;
    std::shared_ptr<RelayUpstream> upstream;
  };
  void decide(const StreamId& id, std::uint64_t now_ms);
  RelayDemand demand(const StreamId& id, std::optional<std::string>& origin);
  /// From an upstream that ended by itself (refused, unreachable, dropped).
  void upstream_ended(const StreamId& id, const RelayUpstream* upstream, bool delivered_media);

  ServerContext& ctx_;
  RelayTiming timing_;
  FindOrigin find_origin_;
  std::unordered_map<StreamId, Entry, StreamIdHash> entries_;
  bool stopped_ = false;
};

}  // namespace minirtc::server
