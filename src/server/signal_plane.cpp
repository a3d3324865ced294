#include "server/signal_plane.hpp"

#include <algorithm>
#include <chrono>
#include <deque>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>

#include "api/routes.hpp"
#include "auth/access_token.hpp"
#include "auth/hmac.hpp"
#include "auth/url_signer.hpp"
#include "room/room_service.hpp"
#include "server/callbacks.hpp"
#include "server/cluster_node.hpp"
#include "server/http_session.hpp"
#include "server/log_limiter.hpp"
#include "server/usage_recorder.hpp"
#include "server/ws_outbox.hpp"
#include "signal/dispatcher.hpp"
#include "signal/jsonrpc.hpp"

namespace minirtc::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace json = boost::json;

namespace {

/// Signed URLs and secrets for the room layer, from the app keys and a CSPRNG.
class ServerMediaUrls final : public room::MediaUrls {
 public:
  ServerMediaUrls(const MediaAccess& access, const Config& config, ClusterNode* cluster)
      : access_(access), config_(config), cluster_(cluster) {}
  std::string publish_url(const StreamId& stream, std::string_view nonce,
                          std::uint64_t now_ms) override {
    return access_.publish_url(stream, expiry(now_ms), std::string(nonce));
  }
  std::string play_url(const StreamId& stream, std::string_view viewer, room::PlayFormat format,
                       std::string_view nonce, std::uint64_t now_ms) override {
    // Cluster mode: a viewer the room's node has no capacity for plays on an edge, which pulls
    // the stream from here (docs/cluster.md "Edges").
    std::optional<cluster::NodeRecord> edge;
    if (cluster_) edge = cluster_->play_node(stream);
    return access_.play_url(
        stream, viewer, format == room::PlayFormat::Flv, expiry(now_ms), std::string(nonce),
        edge ? MediaAccess::Bases{edge->http_base(), edge->rtmp_url} : MediaAccess::Bases{});
  }
  std::string new_nonce() override { return auth::new_nonce(); }
  std::string new_session_token() override { return auth::random_hex(24); }
  /// No URL handed out so far expires after this (unix s): how long a revocation must be kept.
  std::uint32_t latest_expiry() const noexcept { return latest_expiry_; }

 private:
  std::uint32_t expiry(std::uint64_t now_ms) {
    const auto e =
        static_cast<std::uint32_t>(now_ms / 1000) + config_.media.url_ttl_s;  // reloadable
    latest_expiry_ = std::max(latest_expiry_, e);
    return e;
  }
  const MediaAccess& access_;
  const Config& config_;
  ClusterNode* cluster_;
  std::uint32_t latest_expiry_ = 0;
};

room::Config room_config(const Config& c) {
  room::Config r;
  r.ping_interval_ms = c.ping_interval_ms;
  r.session_timeout_ms = c.session_timeout_ms;
  r.resume_window_ms = c.resume_window_ms;
  r.publish_no_media_timeout_ms = c.publish_no_media_timeout_ms;
  r.empty_room_delay_ms = c.empty_room_delay_ms;
  r.max_visible_users = c.max_visible_users;
  r.max_invisible_users = c.max_invisible_users;
  r.max_subscribed_streams = c.max_subscribed_streams;
  r.default_play_format =
      c.media.play_flv_by_default ? room::PlayFormat::Flv : room::PlayFormat::Rtmp;
  return r;
}

/// The spec's token checks for a join, turned into the room layer's Grant.
Result<room::Grant> check_join_token(const AppRegistry& apps, std::string_view app_id,
                                     std::string_view token, std::string_view room_id,
                                     std::string_view user_id, std::uint64_t now_ms) {
  auto checked = auth::check_token(
      token, [&apps](std::string_view id) { return apps.key_of(id); }, app_id, room_id, user_id,
      auth::TokenAction::Join, static_cast<std::uint32_t>(now_ms / 1000));
  if (!checked) return checked.error();
  auto ms = [](std::uint32_t s) { return static_cast<std::uint64_t>(s) * 1000; };
  room::Grant g;
  g.join = true;
  if (auto e = auth::privilege_expiry(*checked, auth::TokenAction::Publish)) {
    g.publish = true;
    g.publish_expires_ms = ms(*e);
  }
  if (auto e = auth::privilege_expiry(*checked, auth::TokenAction::Subscribe)) {
    g.subscribe = true;
    g.subscribe_expires_ms = ms(*e);
  }
  g.token_expires_ms = ms(checked->expire_at);
  return g;
}

}  // namespace

/// One signalling WebSocket. Reads frames into the dispatcher; writes replies and notifications
/// in order (one write at a time, bounded queue); closes after its last message when asked.
class SignalSession : public std::enable_shared_from_this<SignalSession>, public Closable {
 public:
  static constexpr std::size_t kMaxQueuedMessages = 1024;
  /// How long a peer has to answer our close frame (idle timeout, ban, shutdown) before its
  /// socket is cut. Beast's server default (30 s) let a silent or dribbling client that never
  /// joined hold its socket 30 s past `session_timeout_ms`.
  static constexpr std::chrono::seconds kCloseHandshakeTimeout{3};

  SignalSession(RoomBridge& bridge, HttpStream stream, std::string peer, room::SessionId id,
                std::uint64_t connection_id)
      : bridge_(bridge),
        ws_(std::move(stream)),
        peer_(std::move(peer)),
        id_(id),
        connection_id_(connection_id) {}

  void start(beast::http::request<beast::http::string_body> request);
  void send(std::string text);
  /// Closes once the queued messages are out; `going_away` (1001) tells the client that the
  /// server is shutting down rather than ending this session (1000), so the SDK may retry.
  void close_after_sending(std::string reason, bool going_away = false);
  /// A session that never joined (a stranger evicted from the HTTP door) is cut at once: a
  /// graceful close waits for the peer's close frame, and its descriptor would outlive its slot.
  void close(std::string_view reason) override {
    if (!authenticated_ && !closing_) return finish(reason);
    close_after_sending(std::string(reason));
  }
  room::SessionId id() const noexcept { return id_; }

 private:
  void read();
  /// One text frame through the dispatcher; reading goes on after.
  void handle(std::string text);
  /// Cluster mode: a join for a room this node does not hold goes where the room lives (a
  /// redirect to its node's signalling URL) or is pinned here first; reading waits meanwhile.
  /// False when the frame is not such a join (handle() takes it).
  bool route_join(const std::string& text);
  /// Cluster mode: a resume of a session this node does not know goes where its room lives
  /// (docs/cluster.md "Node loss"): restored here from the room's records, or a redirect.
  /// False when the frame is not such a resume (handle() takes it).
  bool route_resume(const std::string& text);
  /// The redirect error that sends a join or a resume to `owner` (docs/protocol.md §4.4).
  void send_redirect(const json::value& id, const cluster::NodeRecord& owner);
  void write_next();
  void finish(std::string_view reason);

  RoomBridge& bridge_;
  websocket::stream<HttpStream> ws_;
  beast::flat_buffer buffer_;
  std::string peer_;
  room::SessionId id_;
  std::deque<std::string> outbox_;
  bool writing_ = false;
  bool closing_ = false;
  bool finished_ = false;
  bool going_away_ = false;
  std::string close_reason_;
  std::uint64_t connection_id_ = 0;
  bool authenticated_ = false;  // joined or resumed: counted as authenticated at the HTTP door
};

class RoomBridge {
 public:
  explicit RoomBridge(ServerContext& ctx)
      : ctx(ctx),
        urls(ctx.access, ctx.config, ctx.cluster),
        rooms(room_config(ctx.config), urls),
        dispatcher(
            rooms,
            [&apps = ctx.apps](std::string_view app_id, std::string_view token,
                               std::string_view room_id, std::string_view user_id,
                               std::uint64_t now) {
              return check_join_token(apps, app_id, token, room_id, user_id, now);
            },
            dispatcher_config(ctx)) {}

  static signal::DispatcherConfig dispatcher_config(const ServerContext& ctx) {
    const Config& c = ctx.config;
    signal::DispatcherConfig d;
    d.report_url = ctx.access.http_base() + "/v1/report";
    d.max_requests_per_second = c.max_requests_per_second;
    d.idle_timeout_ms = c.session_timeout_ms;
    return d;
  }

  /// Sends, closes, applies media effects and hands the events to the observers, in the order
  /// the dispatcher defines.
  void apply(signal::DispatchResult&& r, SignalSession* sender) {
    if (r.reply && sender) sender->send(std::move(*r.reply));
    for (auto& m : r.messages)
      if (auto s = find(m.to)) s->send(std::move(m.text));
    for (auto& c : r.closes)
      if (auto s = find(c.session)) s->close_after_sending(c.reason, c.going_away);
    for (auto& e : r.effects) apply_effect(e);
    ctx.events.publish(r.events);
  }

  void apply_effect(const room::MediaEffect& effect) {
    std::visit(
        [this](const auto& e) {
          using T = std::decay_t<decltype(e)>;
          // Cluster mode: revocations and viewer mutes hold on the edges too, where some of the
          // room's viewers play (docs/cluster.md "Edges").
          if constexpr (std::is_same_v<T, room::RevokeUrl>) {
            ctx.access.revoke(e.nonce, "URL revoked", urls.latest_expiry());
            if (ctx.cluster)
              ctx.cluster->broadcast(cluster::RevokeMessage{e.nonce, urls.latest_expiry()});
          } else if constexpr (std::is_same_v<T, room::SetStreamMute>) {
            ctx.hub.set_stream_mute(e.stream, e.audio, e.video);
          } else if constexpr (std::is_same_v<T, room::SetViewerMute>) {
            ctx.hub.set_viewer_mute(e.stream, e.viewer, e.audio, e.video);
            if (ctx.cluster)
              ctx.cluster->broadcast(
                  cluster::ViewerMuteMessage{e.stream, e.viewer, e.audio, e.video});
          } else if constexpr (std::is_same_v<T, room::CloseStream>) {
            // The room's decision (kick, forbid-publish, dismiss): for good, so a push another
            // node forwards here is closed there too, not linked again (server/push_forward.hpp).
            ctx.hub.close_stream(e.stream, e.reason, true);
          }
        },
        effect);
  }

  std::shared_ptr<SignalSession> find(room::SessionId id) {
    auto it = sessions.find(id);
    if (it == sessions.end()) return nullptr;
    return it->second.lock();
  }

  ServerContext& ctx;
  ServerMediaUrls urls;
  room::RoomService rooms;
  signal::SignalDispatcher dispatcher;
  std::map<room::SessionId, std::weak_ptr<SignalSession>> sessions;
  room::SessionId next_session = 1;
};

void SignalSession::start(beast::http::request<beast::http::string_body> request) {
  bridge_.ctx.connections.bind(connection_id_,
                               std::static_pointer_cast<Closable>(shared_from_this()));
  auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::server);
  timeouts.handshake_timeout = kCloseHandshakeTimeout;  // also bounds the write of our 101 answer
  ws_.set_option(timeouts);
  ws_.read_message_max(signal::FrameLimits{}.max_bytes);  // the dispatcher refuses larger
  auto self = shared_from_this();
  ws_.async_accept(request, [self](const boost::system::error_code& ec) {
    if (ec) return self->finish("websocket handshake failed: " + ec.message());
    log_limited(spdlog::level::info, "signal connected", "signal#{} {} connected", self->id_,
                self->peer_);
    self->bridge_.dispatcher.on_open(self->id_, now_ms());
    self->read();
  });
}

void SignalSession::read() {
  auto self = shared_from_this();
  ws_.async_read(buffer_, [self](const boost::system::error_code& ec, std::size_t) {
    if (self->finished_) return;
    if (ec) {
      if (ec == websocket::error::message_too_big) {
        self->bridge_.ctx.metrics.reject("signal_frame_too_big");
      }
      return self->finish(ec == websocket::error::closed ? "peer closed" : ec.message());
    }
    if (!self->ws_.got_text()) {
      self->bridge_.ctx.metrics.reject("signal_binary_frame");
      self->buffer_.clear();
      self->send(
          R"({"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"binary frames are not JSON-RPC"}})");
      return self->read();
    }
    auto text = beast::buffers_to_string(self->buffer_.data());
    self->buffer_.clear();
    if (self->bridge_.ctx.cluster && (self->route_join(text) || self->route_resume(text))) return;
    self->handle(std::move(text));
  });
}

void SignalSession::handle(std::string text) {
  const auto started = std::chrono::steady_clock::now();
  auto result = bridge_.dispatcher.on_text(id_, text, now_ms());
  const bool is_join = text.find("\"join\"") != std::string::npos;
  bridge_.apply(std::move(result), this);
  if (!authenticated_ && bridge_.rooms.is_joined(id_)) {
    authenticated_ = true;
    bridge_.ctx.connections.authenticate(connection_id_);
  }
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  (is_join ? bridge_.ctx.metrics.join_latency_ms : bridge_.ctx.metrics.rpc_latency_ms).observe(ms);
  read();
}

namespace {
/// The frame as a request of `method`, if it is one (a cheap search first: most frames are not).
std::optional<signal::Request> request_of(const std::string& text, std::string_view method) {
  if (text.find(fmt::format("\"{}\"", method)) == std::string::npos) return std::nullopt;
  auto parsed = signal::parse_request(text, signal::FrameLimits{});
  auto* request = std::get_if<signal::Request>(&parsed);
  if (!request || request->method != method) return std::nullopt;
  return std::move(*request);
}
/// A string param ("" when absent or not a string).
std::string string_param(const signal::Request& request, std::string_view key) {
  auto* v = request.params.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}
}  // namespace

bool SignalSession::route_join(const std::string& text) {
  if (bridge_.rooms.is_joined(id_)) return false;
  auto request = request_of(text, "join");
  if (!request) return false;
  auto field = [&](std::string_view key) { return string_param(*request, key); };
  const auto app_id = field("appId"), room_id = field("roomId"), user_id = field("userId"),
             token = field("token");
  // Held here already, or a join the room layer refuses anyway (bad ids, bad token): local. Only
  // a valid token may make the cluster pin a room.
  if (!is_valid_app_id(app_id) || !is_valid_id(room_id) || !is_valid_id(user_id) ||
      bridge_.rooms.room(app_id, room_id) ||
      !check_join_token(bridge_.ctx.apps, app_id, token, room_id, user_id, now_ms()))
    return false;
  auto self = shared_from_this();
  const auto started = std::chrono::steady_clock::now();
  bridge_.ctx.cluster->route_join(
      app_id, room_id, now_ms(),
      [self, text, id = request->id, started](Result<ClusterNode::Route> route) {
        if (self->finished_) return;
        if (route && route->here) return self->handle(text);
        if (!route) {
          log_limited(spdlog::level::warn, "cluster join", "signal#{} join not routed: {}",
                      self->id_, route.error().reason);
          self->send(signal::render_error(id, static_cast<int>(room::ErrorCode::JoinRoomError),
                                          route.error().reason));
        } else {
          self->send_redirect(id, route->owner);
        }
        self->bridge_.ctx.metrics.join_latency_ms.observe(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
                .count());
        self->read();
      });
  return true;
}

void SignalSession::send_redirect(const json::value& id, const cluster::NodeRecord& owner) {
  // The SDK joins (or resumes) again there; the app sees nothing.
  json::object data;
  data["redirect"] = owner.signal_url();
  data["reportUrl"] = owner.http_base() + "/v1/report";
  data["node"] = owner.id;
  json::object error;
  error["code"] = static_cast<int>(room::ErrorCode::JoinRoomError);
  error["message"] = "the room is served by node " + owner.id + ": join there";
  error["data"] = std::move(data);
  send(json::serialize(json::object{{"jsonrpc", "2.0"}, {"id", id}, {"error", std::move(error)}}));
  bridge_.ctx.metrics.cluster_redirects_total++;
}

bool SignalSession::route_resume(const std::string& text) {
  if (bridge_.rooms.is_joined(id_)) return false;
  auto request = request_of(text, "resume");
  if (!request) return false;
  auto field = [&](std::string_view key) { return string_param(*request, key); };
  const auto app_id = field("appId"), room_id = field("roomId"), user_id = field("userId"),
             token = field("sessionToken");
  // Known here, or without the room's ids (an SDK from before clusters): local, as on one node.
  if (!is_valid_app_id(app_id) || !is_valid_id(room_id) || !is_valid_id(user_id) || token.empty() ||
      token.size() > 128 || bridge_.rooms.has_session_token(token))
    return false;
  auto self = shared_from_this();
  bridge_.ctx.cluster->route_resume(
      app_id, room_id, user_id, token, now_ms(),
      [self, text, id = request->id, app_id, room_id](Result<ClusterNode::ResumeRoute> route) {
        if (self->finished_) return;
        if (!route) {
          log_limited(spdlog::level::info, "cluster resume", "signal#{} resume not routed: {}",
                      self->id_, route.error().reason);
          self->send(signal::render_error(id, static_cast<int>(room::ErrorCode::JoinRoomError),
                                          route.error().reason));
          return self->read();
        }
        if (!route->here) {
          self->send_redirect(id, route->owner);
          return self->read();
        }
        auto& b = self->bridge_;
        // A room already here: the half of a pin conflict's loser merges in (docs/cluster.md).
        const bool merge = b.rooms.room(app_id, room_id).has_value();
        auto restored = b.rooms.restore(app_id, room_id, route->members, now_ms());
        if (!restored.events.empty()) {
          spdlog::info("cluster: room {}/{} {} here with {} records", app_id, room_id,
                       merge ? "merged in" : "taken over", route->members.size());
          b.ctx.metrics.cluster_rooms_restored_total++;
        }
        b.apply(b.dispatcher.render(std::move(restored)), nullptr);
        self->handle(text);
      });
  return true;
}

void SignalSession::send(std::string text) {
  if (finished_ || closing_) return;
  if (outbox_.size() >= kMaxQueuedMessages) {
    bridge_.ctx.metrics.reject("signal_slow_client");
    return finish("client does not read its messages");
  }
  outbox_.push_back(std::move(text));
  if (!writing_) write_next();
}

void SignalSession::write_next() {
  auto self = shared_from_this();
  const auto code = going_away_ ? websocket::close_code::going_away : websocket::close_code::normal;
  write_outbox(
      ws_, outbox_, writing_, closing_, websocket::close_reason(code, close_reason_),
      [self] { self->write_next(); }, [self](std::string why) { self->finish(why); });
}

void SignalSession::close_after_sending(std::string reason, bool going_away) {
  if (closing_ || finished_) return;
  closing_ = true;
  going_away_ = going_away;
  close_reason_ = std::move(reason);
  if (close_reason_.size() > 120) close_reason_.resize(120);  // WebSocket close reasons are short
  if (!writing_) write_next();
}

void SignalSession::finish(std::string_view reason) {
  if (finished_) return;
  finished_ = true;
  log_limited(spdlog::level::info, "signal closed", "signal#{} closed: {}", id_, reason);
  boost::system::error_code ec;
  ws_.next_layer().tcp().socket().close(ec);
  bridge_.sessions.erase(id_);
  bridge_.ctx.connections.release(connection_id_);
  if (!bridge_.ctx.shutting_down)
    bridge_.apply(bridge_.dispatcher.on_socket_closed(id_, now_ms()), nullptr);
}

/// The API's view of this node (api/services.hpp): the app registry, the rooms, the hub.
class ServerServices final : public api::Services {
 public:
  explicit ServerServices(RoomBridge& bridge)
      : b_(bridge), forwards_(forward_limits(bridge.ctx.config.cluster)) {}

  static api::ForwardLimits forward_limits(const ClusterConfig& c) {
    api::ForwardLimits l;
    l.node_rate_per_s = c.report_forward_rate;
    l.node_burst = 2 * c.report_forward_rate;
    l.client_rate_per_s = c.report_forward_client_rate;
    l.client_burst = 4 * c.report_forward_client_rate;
    return l;
  }

  std::vector<api::AppInfo> apps() const override {
    std::vector<api::AppInfo> out;
    for (const auto& a : b_.ctx.apps.apps()) out.push_back({a.id, a.key, a.development});
    return out;
  }
  std::string http_base() const override { return b_.ctx.access.http_base(); }
  std::vector<std::string> signal_urls() const override {
    std::vector<std::string> out;  // cluster mode: every live node, least loaded first
    if (b_.ctx.cluster)
      for (const auto& n : b_.ctx.cluster->nodes_by_load()) out.push_back(n.signal_url());
    return out;
  }
  std::vector<room::RoomSummary> list_rooms(std::string_view app_id) const override {
    return b_.rooms.list_rooms(app_id);
  }
  std::string node_id() const override {
    return b_.ctx.cluster ? b_.ctx.cluster->node_id() : std::string();
  }
  std::vector<RemoteRoom> remote_rooms(std::string_view app_id) const override {
    std::vector<RemoteRoom> out;
    if (b_.ctx.cluster)
      for (auto& r : b_.ctx.cluster->remote_rooms(app_id))
        out.push_back({{r.node.id, r.node.http_base()}, std::move(r.summary)});
    return out;
  }
  std::vector<NodeRef> other_nodes() const override {
    std::vector<NodeRef> out;
    if (b_.ctx.cluster)
      for (const auto& n : b_.ctx.cluster->nodes_by_load())
        if (n.id != b_.ctx.cluster->node_id()) out.push_back({n.id, n.http_base()});
    std::sort(out.begin(), out.end(),
              [](const NodeRef& a, const NodeRef& b) { return a.id < b.id; });
    return out;
  }
  std::optional<NodeRef> room_elsewhere(std::string_view app_id,
                                        std::string_view room_id) const override {
    if (!b_.ctx.cluster) return std::nullopt;
    auto owner = b_.ctx.cluster->room_owner(app_id, room_id);
    if (!owner) return std::nullopt;
    return NodeRef{owner->id, owner->http_base()};
  }
  std::optional<room::RoomView> room(std::string_view app_id,
                                     std::string_view room_id) const override {
    return b_.rooms.room(app_id, room_id);
  }
  room::Outcome kick(std::string_view app_id, std::string_view room_id, std::string_view user_id,
                     std::string_view reason, std::uint64_t now) override {
    return b_.rooms.kick(app_id, room_id, user_id, reason, now);
  }
  room::Outcome dismiss(std::string_view app_id, std::string_view room_id, std::string_view reason,
                        std::uint64_t now) override {
    return b_.rooms.dismiss(app_id, room_id, reason, now);
  }
  room::Outcome forbid_publish(std::string_view app_id, std::string_view room_id,
                               std::string_view user_id, bool forbidden,
                               std::uint64_t now) override {
    return b_.rooms.forbid_publish(app_id, room_id, user_id, forbidden, now);
  }
  signal::HttpReply report(std::string_view body, std::uint64_t now) override {
    return b_.dispatcher.on_report(body, now);
  }
  api::ForwardLimiter::Decision admit_forward(std::string_view client, std::uint64_t now) override {
    return forwards_.admit(client, now);
  }
  std::vector<api::StreamRow> streams(std::uint64_t now) override {
    std::vector<api::StreamRow> out;
    b_.ctx.hub.for_each([&](media::Source& s) {
      const auto* publisher = s.publisher();
      out.push_back({s.id(), s.stats(now), publisher && !publisher->local()});
    });
    return out;
  }
  std::string play_refusal(std::string_view key, std::string_view query,
                           std::uint64_t now) override {
    auto grant = b_.ctx.access.check(key, query, auth::UrlAction::Play,
                                     static_cast<std::uint32_t>(now / 1000));
    return grant ? "refused" : grant.error().reason;
  }
  std::string play_url(const StreamId& id, std::string_view viewer, std::uint64_t now) override {
    const auto now_s = static_cast<std::uint32_t>(now / 1000);
    return b_.ctx.access.play_url(id, std::string(viewer), true,
                                  now_s + b_.ctx.config.media.url_ttl_s, auth::new_nonce());
  }
  std::string metrics_text() override { return server::metrics_text(b_.ctx); }
  std::uint32_t random_u32() override { return auth::random_u32(); }

 private:
  RoomBridge& b_;
  api::ForwardLimiter forwards_;  // reports forwarded to other nodes (cluster mode)
};

SignalPlane::SignalPlane(ServerContext& ctx)
    : bridge_(std::make_unique<RoomBridge>(ctx)),
      services_(std::make_unique<ServerServices>(*bridge_)) {
  router_.set_admin_key_source(
      [&config = ctx.config] { return std::string_view(config.admin_key); });
  api::add_builtin_routes(router_, *services_);
  router_.get(
      "/v1/admin/callbacks",
      [&ctx](const api::Call&) {
        if (!ctx.callbacks) return api::json_error(404, "callbacks are not running");
        return api::json_reply(ctx.callbacks->admin_json());
      },
      api::RouteOptions{api::Access::Admin});
  if (ctx.cluster) {  // docs/cluster.md
    router_.get(
        "/v1/admin/nodes",
        [&ctx](const api::Call&) {
          json::array a;
          for (const auto& n : ctx.cluster->nodes_by_load()) {
            auto v = json::parse(cluster::encode_node_record(n));
            v.as_object()["signalUrl"] = n.signal_url();
            v.as_object()["self"] = n.id == ctx.cluster->node_id();
            a.push_back(std::move(v));
          }
          return api::json_reply(json::serialize(json::object{{"nodes", std::move(a)}}));
        },
        api::RouteOptions{api::Access::Admin});
  }
}
SignalPlane::~SignalPlane() = default;

void SignalPlane::set_usage(UsageRecorder* usage) {
  for (bool sessions : {false, true}) {
    router_.get(
        sessions ? "/v1/admin/apps/{app}/usage/sessions" : "/v1/admin/apps/{app}/usage",
        [usage, sessions](const api::Call& call) {
          return usage->handle(call.param("app"), sessions, call.query, call.request.now_ms);
        },
        api::RouteOptions{api::Access::Admin});
  }
}

void SignalPlane::accept_websocket(HttpStream stream,
                                   beast::http::request<beast::http::string_body> request,
                                   std::string peer, std::uint64_t connection_id) {
  const auto id = bridge_->next_session++;
  auto session = std::make_shared<SignalSession>(*bridge_, std::move(stream), std::move(peer), id,
                                                 connection_id);
  bridge_->sessions[id] = session;
  session->start(std::move(request));
}

void SignalPlane::on_stream_live(const StreamId& id, bool has_audio, bool has_video,
                                 room::PushOrigin origin) {
  bridge_->apply(bridge_->dispatcher.on_media_started(id, has_audio, has_video, now_ms(), origin),
                 nullptr);
}

void SignalPlane::on_stream_ended(const StreamId& id, const media::StreamEnd& how) {
  bridge_->apply(bridge_->dispatcher.on_media_stopped(id, now_ms(), how.reason, how.failed),
                 nullptr);
}

void SignalPlane::tick(std::uint64_t now) {
  bridge_->apply(bridge_->dispatcher.tick(now), nullptr);
}

void SignalPlane::reload() {
  bridge_->rooms.set_config(room_config(bridge_->ctx.config));
  bridge_->dispatcher.set_config(RoomBridge::dispatcher_config(bridge_->ctx));
}

void SignalPlane::shutdown() {
  for (auto& [id, weak] : bridge_->sessions)
    if (auto s = weak.lock()) s->close_after_sending("server shutting down", true);
}

SignalPlane::HandOver SignalPlane::hand_over(const std::string& app_id, const std::string& room_id,
                                             std::uint64_t now_ms) {
  auto h = bridge_->rooms.hand_over(app_id, room_id, now_ms);
  return HandOver{std::move(h.members), std::move(h.outcome), std::move(h.media_end)};
}

void SignalPlane::apply(room::Outcome&& outcome) {
  bridge_->apply(bridge_->dispatcher.render(std::move(outcome)), nullptr);
}

const room::RoomService& SignalPlane::room_service() const {
  return bridge_->rooms;
}

std::vector<std::pair<std::string, std::string>> SignalPlane::rooms() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& app : bridge_->rooms.apps())
    for (const auto& r : bridge_->rooms.list_rooms(app)) out.emplace_back(app, r.room_id);
  return out;
}

std::vector<room::RoomSummary> SignalPlane::room_summaries() const {
  std::vector<room::RoomSummary> out;
  for (const auto& app : bridge_->rooms.apps())
    for (auto& r : bridge_->rooms.list_rooms(app)) out.push_back(std::move(r));
  return out;
}

std::size_t SignalPlane::session_count() const {
  return bridge_->sessions.size();
}

void SignalPlane::append_metrics(std::string& out) {
  const auto c = bridge_->rooms.counts();
  auto gauge = [&](std::string_view name, std::string_view help, auto value) {
    out += fmt::format("# HELP {} {}\n# TYPE {} gauge\n{} {}\n", name, help, name, name, value);
  };
  gauge("minirtc_rooms", "Rooms", c.rooms);
  gauge("minirtc_users", "Room members (all states)", c.members);
  gauge("minirtc_users_connected", "Members with a live signalling session", c.connected);
  gauge("minirtc_users_detached", "Members inside their resume window", c.detached);
  gauge("minirtc_users_media_only", "Members present only by a pushed stream", c.media_only);
  gauge("minirtc_signal_sessions", "Signalling WebSocket sessions", bridge_->sessions.size());
  gauge("minirtc_room_streams", "Publications in rooms", c.publications);
  gauge("minirtc_room_streams_live", "Publications with media arriving", c.live_streams);
  gauge("minirtc_subscriptions", "Subscriptions", c.subscriptions);
  if (auto* cluster = bridge_->ctx.cluster) {
    out += fmt::format(
        "# HELP minirtc_cluster_redirects_total Joins sent to the node that holds the room\n"
        "# TYPE minirtc_cluster_redirects_total counter\n"
        "minirtc_cluster_redirects_total{{node=\"{}\"}} {}\n",
        cluster->node_id(), bridge_->ctx.metrics.cluster_redirects_total);
    fmt::format_to(std::back_inserter(out),
                   "# HELP minirtc_cluster_rooms_restored_total Rooms taken over here from a node "
                   "that is gone (their members restored from the session records)\n"
                   "# TYPE minirtc_cluster_rooms_restored_total counter\n"
                   "minirtc_cluster_rooms_restored_total{{node=\"{}\"}} {}\n",
                   cluster->node_id(), bridge_->ctx.metrics.cluster_rooms_restored_total);
    fmt::format_to(std::back_inserter(out),
                   "# HELP minirtc_cluster_reports_forwarded_total Reports posted here for a "
                   "session another node holds, sent to that node\n"
                   "# TYPE minirtc_cluster_reports_forwarded_total counter\n"
                   "minirtc_cluster_reports_forwarded_total{{node=\"{}\"}} {}\n"
                   "# HELP minirtc_cluster_reports_applied_total Reports other nodes forwarded "
                   "here, applied\n"
                   "# TYPE minirtc_cluster_reports_applied_total counter\n"
                   "minirtc_cluster_reports_applied_total{{node=\"{}\"}} {}\n",
                   cluster->node_id(), bridge_->ctx.metrics.cluster_reports_forwarded_total,
                   cluster->node_id(), bridge_->ctx.metrics.cluster_reports_applied_total);
    fmt::format_to(std::back_inserter(out),
                   "# HELP minirtc_cluster_broadcast_replays_total Signed broadcasts dropped "
                   "because their id was seen already (a replay)\n"
                   "# TYPE minirtc_cluster_broadcast_replays_total counter\n"
                   "minirtc_cluster_broadcast_replays_total{{node=\"{}\"}} {}\n"
                   "# HELP minirtc_cluster_broadcast_replay_evictions_total Broadcast ids "
                   "forgotten before their window ended because the replay guard was full\n"
                   "# TYPE minirtc_cluster_broadcast_replay_evictions_total counter\n"
                   "minirtc_cluster_broadcast_replay_evictions_total{{node=\"{}\"}} {}\n",
                   cluster->node_id(), cluster->broadcast_replays_dropped(), cluster->node_id(),
                   cluster->broadcast_replay_ids_evicted());
    gauge("minirtc_cluster_nodes", "Live nodes of the cluster", cluster->nodes_by_load().size());
  }
}

void SignalPlane::apply_forwarded_report(std::string_view from, std::string_view body) {
  auto r = bridge_->dispatcher.on_report(body, now_ms());
  if (r.status != 200) {
    bridge_->ctx.metrics.reject("cluster_report_refused");
    log_limited(spdlog::level::info, "cluster report refused",
                "cluster: report forwarded by node {} not applied: {} {}", from, r.status, r.body);
    return;
  }
  bridge_->ctx.metrics.cluster_reports_applied_total++;
  bridge_->apply(std::move(r.dispatch), nullptr);
}

api::Reply SignalPlane::handle_http(const api::Request& request) {
  api::Reply reply = router_.handle(request);
  for (auto& effect : reply.effects) {
    std::visit(
        [this](auto& e) {
          using T = std::decay_t<decltype(e)>;
          if constexpr (std::is_same_v<T, room::Outcome>) {
            bridge_->apply(bridge_->dispatcher.render(std::move(e)), nullptr);
          } else if constexpr (std::is_same_v<T, signal::DispatchResult>) {
            bridge_->apply(std::move(e), nullptr);
          } else if constexpr (std::is_same_v<T, api::RevokeUrl>) {
            bridge_->ctx.access.revoke(e.nonce, e.reason);
          } else if constexpr (std::is_same_v<T, api::MuteStream>) {
            bridge_->ctx.hub.set_stream_mute(e.id, e.audio, e.video);
          } else if constexpr (std::is_same_v<T, api::ForwardReport>) {
            if (bridge_->ctx.cluster) {
              bridge_->ctx.cluster->broadcast(
                  cluster::ReportForwardMessage{std::move(e.node_id), std::move(e.body)});
              bridge_->ctx.metrics.cluster_reports_forwarded_total++;
            }
          }
        },
        effect);
  }
  reply.effects.clear();
  return reply;
}

}  // namespace minirtc::server
