#include "server/console_plane.hpp"

#include <deque>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>

#include "api/routes.hpp"
#include "console/feed_message.hpp"
#include "room/room_service.hpp"
#include "server/log_limiter.hpp"
#include "server/ws_outbox.hpp"
#include "signal/admin_json.hpp"

namespace minirtc::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace json = boost::json;

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
    if (!authenticated_) {
      if (const auto auth = console::check_feed_auth(text, plane_.ctx_.config.admin_key);
          auth != console::FeedAuth::Accepted) {
        plane_.ctx_.metrics.reject("admin_unauthorized");
        log_limited(spdlog::level::warn, "console refused", "console feed {} refused: {}", peer_,
                    console::to_string(auth));
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
    auto message = console::parse_feed_message(text);
    if (message.type == "watch") {
      app_id_ = std::move(message.app_id);
      room_id_ = std::move(message.room_id);
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
    auto self = shared_from_this();
    write_outbox(
        ws_, outbox_, writing_, closing_,
        websocket::close_reason(static_cast<websocket::close_code>(close_code_), close_reason_),
        [self] { self->write_next(); }, [self](std::string why) { self->finish(why); });
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

void ConsolePlane::accept_feed(HttpStream stream,
                               beast::http::request<beast::http::string_body> request,
                               std::string peer, std::uint64_t connection_id) {
  const auto id = next_feed_++;
  auto feed =
      std::make_shared<FeedSession>(*this, std::move(stream), std::move(peer), id, connection_id);
  feeds_[id] = feed;
  feed->start(std::move(request));
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
    auto rooms = json::parse(signal::rooms_json(app.id, rooms_.list_rooms(app.id))).as_object();
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
  if (auto view = rooms_.room(app_id, room_id))
    o["room"] = json::parse(signal::room_json(*view));
  else
    o["room"] = nullptr;
  json::array streams;
  const auto now = now_ms();
  ctx_.hub.for_each([&](media::Source& s) {
    if (s.id().app_id == app_id && s.id().room_id == room_id)
      streams.push_back(api::stream_json(s.id(), s.stats(now)));
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
