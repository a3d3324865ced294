#pragma once
// Push forwarding, SRS's "edge publish" (docs/cluster.md "Pushes to another node"): an encoder
// pushes to this node a stream whose room another node holds; this node keeps the encoder and
// publishes the stream on the room's node over RTMP, so the room (its members, viewers and edges)
// gets it as if the encoder had pushed there, and this node never takes the room.
//
// The encoder's session (server/rtmp_session) publishes into this node's hub as a publisher that is
// not local() (the hub announces nothing: this node's rooms never see the stream), and PushForwards
// opens one ForwardLink per stream: an RTMP client on the node's event loop (server/rtmp_link: the
// connection, its deadline and read loop; rtmp::PlayClient in publish mode does the protocol) that
// connects to the room's node's relay address, publishes the stream key with a forward URL signed
// with the cluster secret (auth/url_signer.hpp, "a=fwd"), and, once the publish started, attaches
// to the hub as a viewer of the stream: the write path every player has (server/media_connection:
// the bounded viewer queue that drops to the next keyframe when the link falls behind, merged
// gather writes of the packets' shared RTMP form; the link sends SetChunkSize(media::kOutChunkSize)
// before publishing and createStream must answer media::kPlayStreamId, as our nodes do). It starts
// from the hub's start sequence (metadata, sequence headers, GOP cache), so the room's node's
// viewers decode from a keyframe. It counts as a relay downstream (media/sink.hpp): it does not
// make this node pull the stream from elsewhere, and it is written at the end of the handler, not
// merged.
//
// A link to a node where the push's member was not last carries m=1 in its URL (signed): the
// member moved there (cluster/push_route.hpp "Moved members"), and the room's node restores it
// instead of announcing it to the app server again.
//
// The rule of the forward's life is cluster/push_route.hpp's. When the room's node ends the link
// for good (an error status NetStream.Publish.Denied: its room closed the stream, kicked or
// forbade the member, dismissed the room; the encoder's URL was revoked there; another push took
// the stream over), the encoder is closed as that node would have closed it, and nothing is
// linked again. The forward URL carries the encoder's URL's nonce, so a revocation of that URL
// on the room's node ends the link (and refuses the next one) there too. When the link ends
// otherwise while the encoder is connected (the room's node refused, died, drained, moved the
// room), the room is looked up again after a backoff and the link opened to its node, or, if the
// room is not held by another node any more, the encoder is closed (it pushes again and this
// node takes the room). When the encoder stops, its link is closed. When an encoder closed for
// the room to come here had its member somewhere (a link had published on the room's node, or
// this node handed the room over) and pushes again within a minute, its push is taken here as its
// member moving here (take_moved_here), as a forward to a third node would have said.
// Nothing is buffered for a link that is down: the hub keeps its GOP cache as for any stream, and
// the next link starts from it.
//
// Memory and time: a link holds one 64 KiB read buffer (the room's node sends only command
// replies and acknowledgements), its bounded viewer queue (media.viewer_queue) and the decoder's
// bounded buffers; it must be publishing within media.handshake_timeout_s of its start.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "cluster/push_route.hpp"
#include "core/ids.hpp"
#include "media/sink.hpp"
#include "server/media_access.hpp"

namespace minirtc::server {

struct ServerContext;
class ForwardLink;

class PushForwards {
 public:
  /// Looks a room up for a forward whose link ended (route_push with the store's answer).
  using Locate = std::function<void(const StreamId&, std::function<void(cluster::PushRoute)>)>;

  PushForwards(ServerContext& ctx, cluster::ForwardTiming timing);
  ~PushForwards();

  void set_locate(Locate locate) { locate_ = std::move(locate); }

  /// `encoder` (its connection: `connection`, closed when the room comes here or the room's
  /// node ends the forward for good; `nonce`: its URL's, which the forward URLs carry) publishes
  /// `id` on this node for a room `node` holds: forward it there (nullopt: look the room up
  /// first). A forward of the stream by another encoder is replaced. `member_node`: the node
  /// where the push's member was in the room ("" for a fresh push; this node's id at a
  /// hand-over): links to another node say it moved (cluster/push_route.hpp "Moved members").
  void start(const StreamId& id, const media::PublisherHandle* encoder,
             std::weak_ptr<Closable> connection, std::string nonce,
             std::optional<cluster::NodeRecord> node, std::string member_node = {});
  /// The encoder stopped publishing `id` (a no-op when another encoder's forward replaced it).
  void stop(const StreamId& id, const media::PublisherHandle* encoder);
  /// Retries that are due (the server's tick, twice a second).
  void tick(std::uint64_t now_ms);
  /// Closes every link and forwards no more (server shutdown).
  void shutdown();

  /// Whether a push of `id` taken here now is its member moving here: this node forwarded it,
  /// the member was on the room's node, and that node went (the lookup found the room held by
  /// no other node, and the encoder was closed to push again) within the last kMovedHereMs.
  /// Asked once: the answer is forgotten.
  bool take_moved_here(const StreamId& id);

  /// Streams being forwarded (linked or waiting to retry): the minirtc_cluster_push_forwards gauge.
  std::size_t open() const noexcept { return entries_.size(); }

 private:
  friend class ForwardLink;
  struct Entry {
    cluster::ForwardState state;
    const media::PublisherHandle* encoder = nullptr;
    std::weak_ptr<Closable> connection;
    std::string nonce;  // the encoder's URL's
    std::shared_ptr<ForwardLink> link;
    std::uint64_t generation = 0;  // tells a lookup's answer for this entry from a stale one
    std::uint32_t links = 0;       // links opened for this encoder (more than one: reconnects)
  };
  void connect(const StreamId& id, Entry& e, const cluster::NodeRecord& node);
  /// From a link that started publishing: its node has the push's member now.
  void link_published(const StreamId& id, const ForwardLink* link);
  /// From a link that ended by itself (refused, denied, unreachable, dropped).
  void link_ended(const StreamId& id, const ForwardLink* link, cluster::ForwardLinkEnd end);
  void located(const StreamId& id, std::uint64_t generation, const cluster::PushRoute& route);

  ServerContext& ctx_;
  cluster::ForwardTiming timing_;
  Locate locate_;
  std::unordered_map<StreamId, Entry, StreamIdHash> entries_;
  /// Streams whose forward ended for the room to come here, with their member on a node that
  /// went (take_moved_here): until when the next push counts as moved.
  std::unordered_map<StreamId, std::uint64_t, StreamIdHash> moved_here_;
  std::uint64_t next_generation_ = 1;
  bool stopped_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace minirtc::server
