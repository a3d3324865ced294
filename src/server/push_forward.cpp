#include "server/push_forward.hpp"

#include <string>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include "auth/url_signer.hpp"
#include "rtmp/play_client.hpp"
#include "server/context.hpp"
#include "server/log_limiter.hpp"
#include "server/media_connection.hpp"
#include "server/rtmp_link.hpp"

namespace minirtc::server {

namespace asio = boost::asio;

namespace {
/// A link that published at least this long counts as having carried the stream: its end starts
/// the failure count over. (A room's node that accepts the publish and drops it at once without
/// saying it is for good is retried with a growing backoff instead of twice a second; one that
/// ends it for good closes the encoder: cluster/push_route.hpp.)
constexpr std::uint64_t kSteadyLinkMs = 5000;
/// How long after this node closed a forwarded encoder for the room to come here its next push
/// counts as its member moving here (take_moved_here): an encoder that pushes again by itself
/// does within seconds; one that comes much later is a new presence.
constexpr std::uint64_t kMovedHereMs = 60000;
}  // namespace

/// One publish of one stream on the room's node (see push_forward.hpp); the connection is an
/// RtmpLink, written through this viewer's write path once publishing.
class ForwardLink final : public MediaConnection, private RtmpLinkOwner {
 public:
  /// `nonce`: the encoder's URL's (the forward URL carries it); `moved`: the forward URL says the
  /// push's member moved to `node` from another node.
  ForwardLink(ServerContext& ctx, PushForwards& manager, StreamId id, cluster::NodeRecord node,
              std::string nonce, bool moved)
      : MediaConnection(ctx.flusher, media::WireFormat::Rtmp, ctx.config.media.viewer_queue),
        ctx_(ctx),
        manager_(manager),
        id_(std::move(id)),
        node_(std::move(node)),
        nonce_(std::move(nonce)),
        moved_(moved),
        // As an accepted viewer's socket: no Nagle delay, the kernel's unsent bytes bounded (the
        // viewer queue decides what a link that falls behind skips).
        link_(
            ctx.io, *this,
            {fmt::format("forward {} to node {}", stream_key(id_), node_.id), "forward link ended",
             "not publishing in time", "the room's node closed the connection",
             ctx.config.media.handshake_timeout_s, ctx.config.media.viewer_kernel_unsent_bytes},
            target(), address()) {}

  void start() { link_.start(shared_from_this()); }

  /// By the manager: ends the link without telling it.
  void close(std::string_view reason) { link_.close(reason); }

  // ViewerSink (called by the hub).
  bool relay_downstream() const override { return true; }
  void close_viewer(std::string_view reason) override {
    // The hub closes the stream's viewers (this node's shutdown): end the link, not inside the
    // hub's call.
    std::weak_ptr<MediaConnection> weak = weak_from_this();
    asio::post(ctx_.io, [weak, r = std::string(reason)] {
      if (auto s = std::static_pointer_cast<ForwardLink>(weak.lock()))
        s->link_.fail("closed here: " + r);
    });
  }

 private:
  rtmp::PlayTarget target() const {
    // The encoder's URL's nonce: the room's node revokes that URL as its own (its room handed it
    // out), and a revoked one there ends or refuses the forward for good.
    auto grant =
        auth::UrlGrant{auth::UrlAction::Forward, id_, "", now_s() + ctx_.config.relay.url_ttl_s,
                       nonce_.empty() ? auth::new_nonce() : nonce_};
    grant.moved = moved_;
    return rtmp::PlayTarget{"live", "rtmp://" + node_.relay_address + "/live",
                            stream_key(id_) + "?" + ctx_.access.relay_query(grant), true,
                            media::kOutChunkSize};
  }

  Result<std::pair<std::string, std::uint16_t>> address() const {
    auto hp = parse_host_port(node_.relay_address);
    if (!hp) return with_context(hp.error(), "relay address");
    return hp;
  }

  // RtmpLinkOwner. Before the publish started, the link writes what the client says (the
  // handshake and commands); once publishing, it goes through the write path, between media
  // messages (acknowledgements, ping responses). The publish starts only on a read without error.
  void link_read(std::vector<rtmp::PlayEvent>& events, std::vector<std::uint8_t>& out,
                 const Status& fed) override {
    bool now_started = false;
    for (const auto& e : events) now_started |= e.kind == rtmp::PlayEvent::Kind::Started;
    if ((link_.started() || now_started) && !out.empty()) {
      send_now(media::make_control_packet(SharedBuffer(std::move(out))));
      out = {};
      if (link_.closed()) return;
    }
    if (!fed) return link_.fail(fed.error().reason);
    if (now_started) on_started();
  }
  void link_stopped() override {
    if (source_) {
      media::Source* source = source_;
      source_ = nullptr;
      ctx_.hub.detach(*source, this);
    }
    stop_writing();
  }
  void link_failed(const std::string& reason) override {
    // The room's node's own word, when it gave one (an error status: cluster/push_route.hpp
    // tells the ends for good from the others by its code).
    const auto& client = link_.client();
    cluster::ForwardLinkEnd end{
        link_.started() && now_ms() - started_ms_ >= kSteadyLinkMs, client.refusal_code(),
        client.refusal_code().empty() ? reason : client.refusal_description()};
    manager_.link_ended(id_, this, std::move(end));
  }

  void on_started() {
    if (link_.client().stream_id() != media::kPlayStreamId)
      return link_.fail(fmt::format("the room's node answered createStream with stream {}, not {}",
                                    link_.client().stream_id(), media::kPlayStreamId));
    link_.mark_started();
    started_ms_ = now_ms();
    spdlog::info("{}: publishing", link_.name());
    manager_.link_published(id_, this);
    // The hub's start sequence (metadata, sequence headers, GOP cache from its keyframe), then
    // the live stream.
    source_ = &ctx_.hub.attach(id_, this);
  }

  void write_buffers(std::vector<asio::const_buffer>& buffers) override {
    auto self = std::static_pointer_cast<ForwardLink>(shared_from_this());
    asio::async_write(
        link_.socket(), buffers,
        [self](const boost::system::error_code& ec, std::size_t n) { self->write_done(ec, n); });
  }
  void on_write_error(const boost::system::error_code& ec) override {
    link_.fail("write: " + ec.message());
  }

  ServerContext& ctx_;
  PushForwards& manager_;
  StreamId id_;
  cluster::NodeRecord node_;
  std::string nonce_;
  bool moved_ = false;
  media::Source* source_ = nullptr;
  std::uint64_t started_ms_ = 0;
  RtmpLink link_;  // last: its construction reads the members above
};

PushForwards::PushForwards(ServerContext& ctx, cluster::ForwardTiming timing)
    : ctx_(ctx), timing_(timing) {}

PushForwards::~PushForwards() {
  *alive_ = false;
}

void PushForwards::start(const StreamId& id, const media::PublisherHandle* encoder,
                         std::weak_ptr<Closable> connection, std::string nonce,
                         std::optional<cluster::NodeRecord> node, std::string member_node) {
  if (stopped_) return;
  auto& e = entries_[id];
  if (auto old = std::move(e.link)) old->close("another push of the stream replaced it");
  e = Entry{};
  e.encoder = encoder;
  e.connection = std::move(connection);
  e.nonce = std::move(nonce);
  e.generation = next_generation_++;
  e.state.member_node = std::move(member_node);
  if (!node) {
    spdlog::info("forward {}: looking up the room's node", stream_key(id));
    return;  // the next tick looks the room up (forward_due: retry_at 0)
  }
  e.state.node = node->id;
  e.state.linked = true;
  connect(id, e, *node);
}

void PushForwards::connect(const StreamId& id, Entry& e, const cluster::NodeRecord& node) {
  ++ctx_.metrics.push_forwards_total;
  if (e.links > 0) ++ctx_.metrics.push_forward_reconnects_total;
  ++e.links;
  const bool moved = cluster::forward_moves_member(e.state, node.id);
  spdlog::info(
      "forward {}: publishing on node {} at {}{}{}", stream_key(id), node.id, node.relay_address,
      moved ? fmt::format(" (its member moved there from node {})", e.state.member_node) : "",
      e.links > 1 ? fmt::format(" (link {}, {} failures in a row)", e.links, e.state.failures)
                  : "");
  e.link = std::make_shared<ForwardLink>(ctx_, *this, id, node, e.nonce, moved);
  e.link->start();  // connects on a later handler: nothing re-enters this map now
}

void PushForwards::link_published(const StreamId& id, const ForwardLink* link) {
  auto it = entries_.find(id);
  if (it != entries_.end() && it->second.link.get() == link)
    cluster::forward_published(it->second.state);
}

void PushForwards::stop(const StreamId& id, const media::PublisherHandle* encoder) {
  auto it = entries_.find(id);
  if (it == entries_.end() || it->second.encoder != encoder) return;
  auto link = std::move(it->second.link);
  entries_.erase(it);
  if (link) link->close("the encoder stopped");
}

void PushForwards::link_ended(const StreamId& id, const ForwardLink* link,
                              cluster::ForwardLinkEnd end) {
  auto it = entries_.find(id);
  if (it == entries_.end() || it->second.link.get() != link) return;
  auto keep = std::move(it->second.link);  // alive until this call returns
  const auto step = cluster::forward_link_ended(it->second.state, end, now_ms(), timing_);
  if (step.kind == cluster::ForwardStep::Kind::CloseEncoder) {
    // As the room's node would have closed the encoder had it pushed there: no relink.
    ++ctx_.metrics.push_forwards_denied_total;
    spdlog::info("forward {}: {}: the encoder is closed", stream_key(id), step.reason);
    auto connection = it->second.connection.lock();
    entries_.erase(it);
    if (connection) connection->close(step.reason);  // posted: the encoder stops later
    return;
  }
  log_limited(spdlog::level::info, "forward retry", "forward {}: the room looked up again in {} ms",
              stream_key(id), cluster::forward_backoff_ms(it->second.state.failures, timing_));
}

bool PushForwards::take_moved_here(const StreamId& id) {
  auto it = moved_here_.find(id);
  if (it == moved_here_.end()) return false;
  const bool fresh = now_ms() < it->second;
  moved_here_.erase(it);
  return fresh;
}

void PushForwards::tick(std::uint64_t now) {
  std::erase_if(moved_here_, [now](const auto& m) { return now >= m.second; });
  if (stopped_ || !locate_) return;
  std::vector<std::pair<StreamId, std::uint64_t>> due;
  for (auto& [id, e] : entries_)
    if (cluster::forward_due(e.state, now)) due.emplace_back(id, e.generation);
  for (auto& [id, generation] : due)
    locate_(id, [this, alive = alive_, id, generation](cluster::PushRoute route) {
      if (*alive) located(id, generation, route);
    });
}

void PushForwards::located(const StreamId& id, std::uint64_t generation,
                           const cluster::PushRoute& route) {
  if (stopped_) return;
  auto it = entries_.find(id);
  if (it == entries_.end() || it->second.generation != generation) return;
  Entry& e = it->second;
  const auto step = cluster::forward_located(e.state, route, now_ms(), timing_);
  switch (step.kind) {
    case cluster::ForwardStep::Kind::Connect:
      return connect(id, e, step.node);
    case cluster::ForwardStep::Kind::Wait:
      log_limited(spdlog::level::warn, "forward wait", "forward {}: not forwarded now: {}",
                  stream_key(id), step.reason);
      return;
    case cluster::ForwardStep::Kind::CloseEncoder: {
      spdlog::info("forward {}: ends: {}", stream_key(id), step.reason);
      if (cluster::forward_member_moves_here(e.state)) moved_here_[id] = now_ms() + kMovedHereMs;
      auto connection = e.connection.lock();
      entries_.erase(it);
      if (connection) connection->close(step.reason);  // posted: the encoder stops later
      return;
    }
  }
}

void PushForwards::shutdown() {
  stopped_ = true;
  auto entries = std::move(entries_);
  entries_.clear();
  for (auto& [id, e] : entries)
    if (e.link) e.link->close("server shutting down");
}

}  // namespace minirtc::server
