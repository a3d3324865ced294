#include "server/relay.hpp"

#include <string>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "auth/url_signer.hpp"
#include "rtmp/command.hpp"
#include "rtmp/play_client.hpp"
#include "server/context.hpp"
#include "server/log_limiter.hpp"
#include "server/rtmp_link.hpp"

namespace minirtc::server {

/// One pull of one stream from its origin (see relay.hpp); the connection is an RtmpLink.
class RelayUpstream final : public media::PublisherHandle,
                            private RtmpLinkOwner,
                            public std::enable_shared_from_this<RelayUpstream> {
 public:
  RelayUpstream(ServerContext& ctx, RelayManager& manager, StreamId id, std::string origin)
      : ctx_(ctx),
        manager_(manager),
        id_(std::move(id)),
        origin_(std::move(origin)),
        link_(ctx.io, *this,
              {fmt::format("relay {} from {}", stream_key(id_), origin_), "relay upstream ended",
               "not playing in time", "origin closed the connection",
               ctx.config.media.handshake_timeout_s},
              target(), parse_rtmp_origin(origin_)) {}

  void start() { link_.start(shared_from_this()); }

  /// By the manager: ends the pull without telling it.
  void close(std::string_view reason) { link_.close(reason); }

  // PublisherHandle (called by the hub).
  bool local() const override { return false; }
  // The origin starts a play with its GOP cache, in one burst.
  bool replays_start() const override { return true; }
  void close_publisher(std::string_view reason, bool /*for_good*/) override {
    // Taken over, idle, or the stream closed: stop publishing now; the manager decides whether
    // the pull goes on (the next media message publishes again).
    log_limited(spdlog::level::info, "relay stops publishing", "relay {}: stops publishing: {}",
                stream_key(id_), reason);
    source_ = nullptr;
  }

 private:
  rtmp::PlayTarget target() const {
    const auto grant = auth::UrlGrant{auth::UrlAction::Relay, id_, "",
                                      now_s() + ctx_.config.relay.url_ttl_s, auth::new_nonce()};
    return rtmp::PlayTarget{"live", origin_ + "/live",
                            stream_key(id_) + "?" + ctx_.access.relay_query(grant)};
  }

  // RtmpLinkOwner. The media of a read go into the hub before its error (if any) ends the pull;
  // what the client says (acknowledgements, ping responses) the link writes.
  void link_read(std::vector<rtmp::PlayEvent>& events, std::vector<std::uint8_t>& /*out*/,
                 const Status& /*fed*/) override {
    for (auto& e : events) {
      on_event(e);
      if (link_.closed()) return;
    }
  }
  void link_stopped() override {
    if (source_) {
      media::Source* source = source_;
      source_ = nullptr;
      ctx_.hub.unpublish(*source, this);
    }
  }
  void link_failed(const std::string& /*reason*/) override {
    manager_.upstream_ended(id_, this, delivered_);
  }

  void on_event(rtmp::PlayEvent& e) {
    if (e.kind == rtmp::PlayEvent::Kind::Started) {
      link_.mark_started();
      spdlog::info("{}: playing", link_.name());
      return;
    }
    const auto type = static_cast<rtmp::MessageType>(e.message.type);
    media::PacketKind kind = media::PacketKind::Metadata;
    SharedBuffer payload = e.message.payload;
    if (type == rtmp::MessageType::Audio) {
      kind = media::PacketKind::Audio;
    } else if (type == rtmp::MessageType::Video) {
      kind = media::PacketKind::Video;
    } else {
      auto data = rtmp::parse_data(e.message);
      const auto* metadata = data ? data->metadata() : nullptr;
      if (!metadata) return;  // |RtmpSampleAccess and the like
      payload = SharedBuffer(rtmp::on_metadata_payload(*metadata));
    }
    const auto now = now_ms();
    if (!source_) {
      // Publish only into a stream nobody of this node publishes: a local publisher wins (the
      // manager closes this pull on its tick).
      const auto* existing = ctx_.hub.find(id_);
      if (existing && existing->publisher()) return;
      source_ = &ctx_.hub.publish(id_, this, now);
    }
    if (kind != media::PacketKind::Metadata) delivered_ = true;
    ctx_.hub.ingest(*source_, kind, e.message.timestamp, std::move(payload), now);
  }

  ServerContext& ctx_;
  RelayManager& manager_;
  StreamId id_;
  std::string origin_;
  media::Source* source_ = nullptr;
  bool delivered_ = false;  // audio or video arrived
  RtmpLink link_;           // last: its construction reads the members above
};

RelayManager::RelayManager(ServerContext& ctx, RelayTiming timing) : ctx_(ctx), timing_(timing) {}

RelayManager::~RelayManager() = default;

std::size_t RelayManager::upstreams() const noexcept {
  std::size_t n = 0;
  for (auto& [id, e] : entries_) n += e.upstream ? 1 : 0;
  return n;
}

RelayDemand RelayManager::demand(const StreamId& id, std::optional<std::string>& origin) {
  RelayDemand d;
  if (const auto* source = ctx_.hub.find(id)) {
    for (const auto* v : source->viewers()) d.viewers += v->relay_downstream() ? 0 : 1;
    // Anyone but this relay's own upstream: a push this node forwards to the room's node
    // (server/push_forward) is not local() to the rooms, but its media is here already.
    d.published_here =
        source->publisher() && dynamic_cast<const RelayUpstream*>(source->publisher()) == nullptr;
  }
  origin = find_origin_ && !stopped_ ? find_origin_(id) : std::nullopt;
  d.origin_known = origin.has_value();
  if (origin) d.origin = *origin;
  return d;
}

void RelayManager::update(const StreamId& id) {
  decide(id, now_ms());
}

void RelayManager::decide(const StreamId& id, std::uint64_t now) {
  std::optional<std::string> origin;
  const auto d = demand(id, origin);
  auto it = entries_.find(id);
  if (it == entries_.end()) {
    if (d.viewers == 0 || d.published_here || !d.origin_known) return;  // nothing to remember
    it = entries_.emplace(id, Entry{}).first;
  }
  Entry& e = it->second;
  switch (relay_decide(e.state, d, now, timing_)) {
    case RelayAction::Keep:
      return;
    case RelayAction::Open: {
      if (e.state.failures > 0) ++ctx_.metrics.relay_retries_total;
      ++ctx_.metrics.relay_opens_total;
      spdlog::info("relay {}: pulling from {}{}", stream_key(id), *origin,
                   e.state.failures > 0 ? fmt::format(" (retry {})", e.state.failures) : "");
      e.upstream = std::make_shared<RelayUpstream>(ctx_, *this, id, *origin);
      e.upstream->start();  // connects on a later handler: nothing re-enters this map now
      return;
    }
    case RelayAction::Close: {
      auto upstream = std::move(e.upstream);
      entries_.erase(it);
      if (upstream)
        upstream->close(d.published_here ? "published on this node"
                        : d.origin_known ? "no viewers for the grace"
                                         : "no origin");
      return;
    }
    case RelayAction::Forget:
      entries_.erase(it);
      return;
  }
}

void RelayManager::tick(std::uint64_t now) {
  std::vector<StreamId> ids;
  ids.reserve(entries_.size());
  for (auto& [id, e] : entries_) ids.push_back(id);
  if (find_origin_ && !stopped_) {
    // Viewers that wait without an entry: a local publisher left, or a retry was forgotten.
    ctx_.hub.for_each([&](media::Source& s) {
      if (!s.publisher() && !s.viewers().empty() && !entries_.count(s.id())) ids.push_back(s.id());
    });
  }
  for (auto& id : ids) decide(id, now);
}

void RelayManager::upstream_ended(const StreamId& id, const RelayUpstream* upstream,
                                  bool delivered_media) {
  auto it = entries_.find(id);
  if (it == entries_.end() || it->second.upstream.get() != upstream) return;
  ++ctx_.metrics.relay_failures_total;
  auto keep = std::move(it->second.upstream);  // alive until this call returns
  relay_upstream_ended(it->second.state, delivered_media, now_ms(), timing_);
  spdlog::info("relay {}: retry in {} ms", stream_key(id),
               relay_backoff_ms(it->second.state.failures, timing_));
}

void RelayManager::shutdown() {
  stopped_ = true;
  auto entries = std::move(entries_);
  entries_.clear();
  for (auto& [id, e] : entries)
    if (e.upstream) e.upstream->close("server shutting down");
}

}  // namespace minirtc::server
