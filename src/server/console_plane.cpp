#include "server/console_plane.hpp"

#include <deque>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>

#include "auth/access_token.hpp"
#include "auth/hmac.hpp"
#include "auth/url_signer.hpp"
#include "room/room_service.hpp"
#include "server/log_limiter.hpp"
#include "signal/admin_json.hpp"

namespace minirtc::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace json = boost::json;

namespace {

std::string next_segment(std::string_view& rest) {
  if (!rest.empty() && rest.front() == '/') rest.remove_prefix(1);
  const auto slash = rest.find('/');
  std::string seg(rest.substr(0, slash));
  rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  return seg;
}

/// The body as a JSON object; nullopt when it is not one.
std::optional<json::object> body_object(std::string_view body) {
  boost::system::error_code ec;
  auto v = json::parse(body.empty() ? std::string_view("{}") : body, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.as_object());
}

std::string string_field(const json::object& o, std::string_view name) {
  if (auto* v = o.if_contains(name); v && v->is_string()) return std::string(v->as_string());
  return {};
}

bool bool_field(const json::object& o, std::string_view name, bool fallback) {
  if (auto* v = o.if_contains(name); v && v->is_bool()) return v->as_bool();
  return fallback;
}

json::object stream_stats_json(const media::Source& source, const media::StreamStats& st) {
  json::object o;
  o["stream"] = stream_key(source.id());
  o["userId"] = source.id().user_id;
  o["screen"] = source.id().screen();
  o["publishing"] = st.publishing;
  o["live"] = st.live;
  o["viewers"] = st.viewers;
  o["videoKbps"] = st.video_kbps;
  o["audioKbps"] = st.audio_kbps;
  o["fps"] = st.fps;
  o["gopMs"] = st.gop_ms;
  o["width"] = st.width;
  o["height"] = st.height;
  o["videoCodec"] = st.video_codec;
  o["audioCodec"] = st.audio_codec;
  o["droppedFrames"] = st.dropped_frames;
  o["muteAudio"] = st.mute_audio;
  o["muteVideo"] = st.mute_video;
  return o;
}

}  // namespace

/// One console browser's feed. Reads the browser's auth and watch messages; writes in order, one
/// write at a time, bounded.
class FeedSession : public std::enable_shared_from_this<FeedSession>, public Closable {
 public:
  FeedSession(ConsolePlane& plane, HttpStream stream, std::string peer, std::uint64_t feed_id,
              std::uint64_t connection_id)
      : plane_(plane),
        ws_(std::move(stream)),
        auth_timer_(ws_.get_executor()),
        peer_(std::move(peer)),
        feed_id_(feed_id),
        connection_id_(connection_id) {}

  void start(beast::http::request<beast::http::string_body> request) {
    plane_.ctx_.connections.bind(connection_id_,
                                 std::static_pointer_cast<Closable>(shared_from_this()));
    auto timeouts = websocket::stream_base::timeout::suggested(beast::role_type::server);
    timeouts.handshake_timeout = std::chrono::seconds(3);
    ws_.set_option(timeouts);
    ws_.read_message_max(ConsolePlane::kMaxMessageBytes);
    auto self = shared_from_this();
    auth_timer_.expires_after(ConsolePlane::kAuthTimeout);
    auth_timer_.async_wait([self](const boost::system::error_code& ec) {
      if (!ec && !self->authenticated_) self->close_with(4401, "no admin key in time");
    });
    ws_.async_accept(request, [self](const boost::system::error_code& ec) {
      if (ec) return self->finish("websocket handshake failed: " + ec.message());
      self->read();
    });
  }

  void close(std::string_view reason) override { close_with(1001, std::string(reason)); }

  void send(std::string text) {
    if (finished_ || closing_) return;
    if (outbox_.size() >= ConsolePlane::kMaxQueued) {
      plane_.ctx_.metrics.reject("console_slow_client");
      return finish("console feed not read");
    }
    outbox_.push_back(std::move(text));
    if (!writing_) write_next();
  }

  bool authenticated() const noexcept { return authenticated_; }
  const std::string& app_id() const noexcept { return app_id_; }
  const std::string& room_id() const noexcept { return room_id_; }
  std::string last_overview, last_room;

 private:
  void read() {
    auto self = shared_from_this();
    ws_.async_read(buffer_, [self](const boost::system::error_code& ec, std::size_t) {
      if (self->finished_) return;
      if (ec) return self->finish(ec == websocket::error::closed ? "peer closed" : ec.message());
      auto text = beast::buffers_to_string(self->buffer_.data());
      self->buffer_.clear();
      self->on_message(text);
      if (!self->closing_) self->read();
    });
  }

  void on_message(std::string_view text) {
    auto o = body_object(text);
    const auto type = o ? string_field(*o, "type") : std::string();
    if (!authenticated_) {
      if (type != "auth" || !ConsolePlane::admin_key_matches(plane_.ctx_.config,
                                                             "Bearer " + string_field(*o, "key"))) {
        plane_.ctx_.metrics.reject("admin_unauthorized");
        log_limited(spdlog::level::warn, "console refused", "console feed {} refused: wrong key",
                    peer_);
        return close_with(4401, "missing or wrong admin key");
      }
      authenticated_ = true;
      auth_timer_.cancel();
      plane_.ctx_.connections.authenticate(connection_id_);
      log_limited(spdlog::level::info, "console connected", "console feed {} signed in", peer_);
      send(R"({"type":"hello"})");
      send(plane_.totals_history_json());
      last_overview = plane_.overview_json();
      send(last_overview);
      return;
    }
    if (type == "watch") {
      app_id_ = string_field(*o, "appId");
      room_id_ = string_field(*o, "roomId");
      last_room.clear();
      if (!room_id_.empty()) {
        send(plane_.room_history_json(app_id_, room_id_));
        last_room = plane_.room_json(app_id_, room_id_);
        send(last_room);
      }
      return;
    }
    send(R"({"type":"error","message":"unknown message type"})");
  }

  void write_next() {
    if (outbox_.empty()) {
      writing_ = false;
      if (closing_) {
        auto self = shared_from_this();
        ws_.async_close(
            websocket::close_reason(static_cast<websocket::close_code>(close_code_), close_reason_),
            [self](const boost::system::error_code&) { self->finish(self->close_reason_); });
      }
      return;
    }
    writing_ = true;
    ws_.text(true);
    auto self = shared_from_this();
    ws_.async_write(asio::buffer(outbox_.front()),
                    [self](const boost::system::error_code& ec, std::size_t) {
                      self->outbox_.pop_front();
                      if (ec) return self->finish("write failed: " + ec.message());
                      self->write_next();
                    });
  }

  void close_with(std::uint16_t code, std::string reason) {
    if (closing_ || finished_) return;
    if (!ws_.is_open()) return finish(reason);  // still in the handshake
    closing_ = true;
    close_code_ = code;
    close_reason_ = std::move(reason);
    if (!writing_) write_next();
  }

  void finish(std::string_view reason) {
    if (finished_) return;
    finished_ = true;
    auth_timer_.cancel();
    log_limited(spdlog::level::debug, "console closed", "console feed {} closed: {}", peer_,
                reason);
    boost::system::error_code ec;
    ws_.next_layer().tcp().socket().close(ec);
    plane_.feeds_.erase(feed_id_);
    plane_.ctx_.connections.release(connection_id_);
  }

  ConsolePlane& plane_;
  websocket::stream<HttpStream> ws_;
  asio::steady_timer auth_timer_;
  beast::flat_buffer buffer_;
  std::string peer_;
  std::uint64_t feed_id_, connection_id_;
  std::deque<std::string> outbox_;
  bool writing_ = false, closing_ = false, finished_ = false, authenticated_ = false;
  std::uint16_t close_code_ = 1000;
  std::string close_reason_;
  std::string app_id_, room_id_;
};

ConsolePlane::ConsolePlane(ServerContext& ctx, const room::RoomService& rooms)
    : ctx_(ctx), rooms_(rooms) {}

ConsolePlane::~ConsolePlane() = default;

bool ConsolePlane::admin_key_matches(const Config& config, std::string_view authorization) {
  if (config.admin_key.empty()) return false;
  const std::string expected = "Bearer " + config.admin_key;
  auto bytes = [](std::string_view s) {
    return std::span(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
  };
  return authorization.size() == expected.size() &&
         auth::constant_time_equal(bytes(authorization), bytes(expected));
}

void ConsolePlane::accept_feed(HttpStream stream,
                               beast::http::request<beast::http::string_body> request,
                               std::string peer, std::uint64_t connection_id) {
  const auto id = next_feed_++;
  auto feed =
      std::make_shared<FeedSession>(*this, std::move(stream), std::move(peer), id, connection_id);
  feeds_[id] = feed;
  feed->start(std::move(request));
}

std::optional<HttpReply> ConsolePlane::handle_admin(std::string_view method, std::string_view rest,
                                                    std::string_view body) {
  if (method != "POST") return std::nullopt;
  if (rest == "/play-url") return play_url(body);
  if (rest == "/token") return token(body);
  auto probe = rest;
  if (next_segment(probe) != "apps") return std::nullopt;
  const auto app_id = next_segment(probe);
  if (next_segment(probe) != "rooms") return std::nullopt;
  const auto room_id = next_segment(probe);
  if (next_segment(probe) != "users") return std::nullopt;
  const auto user_id = next_segment(probe);
  if (next_segment(probe) != "mute" || !probe.empty()) return std::nullopt;
  return mute(app_id, room_id, user_id, body);
}

HttpReply ConsolePlane::play_url(std::string_view body) {
  auto o = body_object(body);
  auto id = o ? parse_stream_key(string_field(*o, "stream")) : std::nullopt;
  if (!id) return json_error(400, "body must be JSON {\"stream\": stream key}");
  if (!ctx_.apps.find(id->app_id)) return json_error(404, "unknown appId");
  const auto viewer = "console-" + auth::random_hex(4);
  const auto url = ctx_.access.play_url(*id, viewer, true, now_s() + ctx_.config.media.url_ttl_s,
                                        auth::new_nonce());
  // Relative to the server's root, so the console reaches it through whatever proxy served it.
  const auto path = url.find("/live/");
  json::object r;
  r["path"] = url.substr(path == std::string::npos ? 0 : path + 1);
  r["viewer"] = viewer;
  return HttpReply{200, json::serialize(r), "application/json"};
}

HttpReply ConsolePlane::token(std::string_view body) {
  auto o = body_object(body);
  if (!o) return json_error(400, "body must be a JSON object");
  const auto app_id = string_field(*o, "appId"), room_id = string_field(*o, "roomId"),
             user_id = string_field(*o, "userId");
  const auto* app = ctx_.apps.find(app_id);
  if (!app) return json_error(404, "unknown appId");
  if (!is_valid_id(room_id) || !is_valid_id(user_id))
    return json_error(400, "roomId and userId: 1-128 characters [a-zA-Z0-9@_.-]");
  std::int64_t lifetime = 3600;
  if (auto* v = o->if_contains("expireSeconds"); v && v->is_int64()) lifetime = v->as_int64();
  if (lifetime < 60 || lifetime > 7 * 24 * 3600)
    return json_error(400, "expireSeconds must be 60 to 604800");
  auth::AccessToken t;
  t.app_id = app->id;
  t.room_id = room_id;
  t.user_id = user_id;
  t.nonce = auth::random_u32();
  t.issued_at = now_s();
  t.expire_at = t.issued_at + static_cast<std::uint32_t>(lifetime);
  if (bool_field(*o, "publish", true)) t.add_privilege(auth::Privilege::PublishStream, t.expire_at);
  if (bool_field(*o, "subscribe", true))
    t.add_privilege(auth::Privilege::SubscribeStream, t.expire_at);
  spdlog::info("admin API: token issued for app={} room={} user={} ({} s)", app_id, room_id,
               user_id, lifetime);
  json::object r;
  r["appId"] = app->id;
  r["token"] = auth::encode_token(t, app->key);
  r["expireAt"] = t.expire_at;
  return HttpReply{200, json::serialize(r), "application/json"};
}

HttpReply ConsolePlane::mute(std::string_view app_id, std::string_view room_id,
                             std::string_view user_id, std::string_view body) {
  auto o = body_object(body);
  if (!o) return json_error(400, "body must be JSON {\"audio\", \"video\", \"screen\"}");
  if (!rooms_.room(app_id, room_id)) return json_error(404, "no such room");
  if (!is_valid_id(user_id)) return json_error(400, "userId: 1-128 characters [a-zA-Z0-9@_.-]");
  StreamId id{std::string(app_id), std::string(room_id), std::string(user_id),
              bool_field(*o, "screen", false) ? StreamKind::Screen : StreamKind::Main};
  const bool audio = bool_field(*o, "audio", false), video = bool_field(*o, "video", false);
  ctx_.hub.set_stream_mute(id, audio, video);
  spdlog::info("admin API: stream {} muted for everyone: audio={} video={}", stream_key(id), audio,
               video);
  return HttpReply{200, R"({"ok":true})", "application/json"};
}

std::string ConsolePlane::overview_json() const {
  json::object node;
  node["connections"] = ctx_.connections.size();
  node["streams"] = ctx_.hub.stream_count();
  const auto counts = rooms_.counts();
  node["rooms"] = counts.rooms;
  node["users"] = counts.members;
  json::array apps;
  for (const auto& app : ctx_.apps.apps()) {
    auto rooms = json::parse(signal::rooms_json(rooms_, app.id)).as_object();
    rooms["development"] = app.development;
    apps.push_back(std::move(rooms));
  }
  json::object o;
  o["type"] = "overview";
  o["node"] = std::move(node);
  o["apps"] = std::move(apps);
  o["adminFeeds"] = feeds_.size();
  return json::serialize(o);
}

std::string ConsolePlane::room_json(const std::string& app_id, const std::string& room_id) const {
  json::object o;
  o["type"] = "room";
  o["appId"] = app_id;
  o["roomId"] = room_id;
  if (auto r = signal::room_json(rooms_, app_id, room_id))
    o["room"] = json::parse(*r);
  else
    o["room"] = nullptr;
  json::array streams;
  const auto now = now_ms();
  ctx_.hub.for_each([&](media::Source& s) {
    if (s.id().app_id == app_id && s.id().room_id == room_id)
      streams.push_back(stream_stats_json(s, s.stats(now)));
  });
  o["streams"] = std::move(streams);
  return json::serialize(o);
}

std::string ConsolePlane::totals_history_json() const {
  json::array points;
  for (const auto& p : history_.totals())
    points.push_back(json::array{p.t_ms, p.in_mbps, p.out_mbps});
  return json::serialize(json::object{{"type", "history"}, {"totals", std::move(points)}});
}

std::string ConsolePlane::room_history_json(const std::string& app_id,
                                            const std::string& room_id) const {
  json::object streams;
  ctx_.hub.for_each([&](media::Source& s) {
    if (s.id().app_id != app_id || s.id().room_id != room_id) return;
    const auto key = stream_key(s.id());
    json::array points;
    if (const auto* series = history_.stream(key))
      for (const auto& p : *series) points.push_back(json::array{p.t_ms, p.kbps, p.fps, p.viewers});
    streams[key] = std::move(points);
  });
  return json::serialize(json::object{{"type", "history"}, {"streams", std::move(streams)}});
}

std::string ConsolePlane::sample_json(const FeedSession& feed, std::uint64_t now_ms) const {
  json::object o;
  o["type"] = "sample";
  o["t"] = now_ms;
  const auto& t = history_.totals().back();
  o["in"] = t.in_mbps;
  o["out"] = t.out_mbps;
  json::object streams;
  if (!feed.room_id().empty()) {
    ctx_.hub.for_each([&](media::Source& s) {
      if (s.id().app_id != feed.app_id() || s.id().room_id != feed.room_id()) return;
      const auto key = stream_key(s.id());
      if (const auto* series = history_.stream(key); series && !series->empty()) {
        const auto& p = series->back();
        streams[key] = json::array{p.kbps, p.fps, p.viewers};
      }
    });
  }
  o["streams"] = std::move(streams);
  return json::serialize(o);
}

void ConsolePlane::tick(std::uint64_t now_ms) {
  if (now_ms < last_sample_ms_ + kSampleIntervalMs) return;
  last_sample_ms_ = now_ms;
  std::vector<console::StreamSample> samples;
  samples.reserve(ctx_.hub.stream_count());
  ctx_.hub.for_each([&](media::Source& s) {
    const auto st = s.stats(now_ms);
    samples.push_back({stream_key(s.id()), st.bytes_in, st.bytes_out, st.video_kbps + st.audio_kbps,
                       st.fps, st.viewers});
  });
  history_.sample(now_ms, samples);
  if (feeds_.empty()) return;
  const auto overview = overview_json();
  std::map<std::pair<std::string, std::string>, std::string> rooms;  // one render per room
  for (auto& [id, weak] : std::map(feeds_)) {
    auto feed = weak.lock();
    if (!feed || !feed->authenticated()) continue;
    feed->send(sample_json(*feed, now_ms));
    if (overview != feed->last_overview) feed->send(feed->last_overview = overview);
    if (feed->room_id().empty()) continue;
    auto key = std::pair(feed->app_id(), feed->room_id());
    auto it = rooms.find(key);
    if (it == rooms.end()) it = rooms.emplace(key, room_json(key.first, key.second)).first;
    if (it->second != feed->last_room) feed->send(feed->last_room = it->second);
  }
}

}  // namespace minirtc::server
