// The web console's admin routes (docs/operations.md, "Web console"), besides the admin API's:
// a preview play URL, a token generator and mute-for-everyone. All are Access::Admin, so the
// router has checked the Bearer key before any of these runs. The console's live feed is a
// WebSocket the I/O layer takes over (server/console_plane.hpp); without an upgrade the route
// answers 426, like /v1/signal. The console's static files are served before the router (its
// paths `/` and `/console/` have empty segments no pattern matches).

#include <fmt/format.h>
#include <boost/json.hpp>

#include "api/routes.hpp"

namespace minirtc::api {

namespace json = boost::json;

namespace {

constexpr RouteOptions kAdmin{.access = Access::Admin};

/// The body as a JSON object; nullopt for anything else (an empty body is `{}`).
std::optional<json::object> body_object(std::string_view body) {
  auto v = parse_json_body(body);
  if (!v || !v->is_object()) return std::nullopt;
  return std::move(v->as_object());
}

std::string string_field(const json::object& o, std::string_view name) {
  if (auto* v = o.if_contains(name); v && v->is_string()) return std::string(v->as_string());
  return {};
}

bool bool_field(const json::object& o, std::string_view name, bool fallback) {
  if (auto* v = o.if_contains(name); v && v->is_bool()) return v->as_bool();
  return fallback;
}

std::optional<AppInfo> find_app(const Services& services, std::string_view app_id) {
  for (auto& app : services.apps())
    if (app.id == app_id) return app;
  return std::nullopt;
}

/// POST /v1/admin/play-url {"stream": key} → {"path": "live/KEY.flv?…", "viewer"}: a signed
/// WebSocket-FLV URL relative to the server's root, so the console reaches it through whatever
/// proxy served the page.
Reply play_url(Services& services, const Call& c) {
  auto o = body_object(c.request.body);
  auto id = o ? parse_stream_key(string_field(*o, "stream")) : std::nullopt;
  if (!id) return json_error(400, "body must be JSON {\"stream\": stream key}");
  if (!find_app(services, id->app_id)) return json_error(404, "unknown appId");
  const auto viewer = fmt::format("console-{:08x}", services.random_u32());
  const auto url = services.play_url(*id, viewer, c.request.now_ms);
  const auto path = url.find("/live/");
  json::object r;
  r["path"] = url.substr(path == std::string::npos ? 0 : path + 1);
  r["viewer"] = viewer;
  return json_reply(json::serialize(r));
}

/// POST /v1/admin/token {appId, roomId, userId, publish?, subscribe?, expireSeconds?}
/// → {appId, token, expireAt}: a token for any configured app (the key holder may mint them).
Reply token(Services& services, const Call& c) {
  auto o = body_object(c.request.body);
  if (!o) return json_error(400, "body must be a JSON object");
  const auto app_id = string_field(*o, "appId"), room_id = string_field(*o, "roomId"),
             user_id = string_field(*o, "userId");
  const auto app = find_app(services, app_id);
  if (!app) return json_error(404, "unknown appId");
  if (!is_valid_id(room_id) || !is_valid_id(user_id))
    return json_error(400, "roomId and userId: 1-128 characters [a-zA-Z0-9@_.-]");
  std::int64_t lifetime = 3600;
  if (auto* v = o->if_contains("expireSeconds"); v && v->is_int64()) lifetime = v->as_int64();
  if (lifetime < 60 || lifetime > 7 * 24 * 3600)
    return json_error(400, "expireSeconds must be 60 to 604800");
  const auto issued = static_cast<std::uint32_t>(c.request.now_ms / 1000);
  Reply r = json_reply(token_json(*app, {.room_id = room_id,
                                         .user_id = user_id,
                                         .nonce = services.random_u32(),
                                         .issued_at = issued,
                                         .expire_at = issued + static_cast<std::uint32_t>(lifetime),
                                         .publish = bool_field(*o, "publish", true),
                                         .subscribe = bool_field(*o, "subscribe", true)}));
  r.log = LogLine{LogLine::Level::Info, "admin token",
                  fmt::format("admin API: token issued for app={} room={} user={} ({} s)", app_id,
                              room_id, user_id, lifetime)};
  return r;
}

/// POST /v1/admin/apps/{app}/rooms/{room}/users/{user}/mute {audio, video, screen?} → {"ok":true}
/// with a MuteStream effect.
Reply mute(Services& services, const Call& c) {
  const auto app_id = c.param("app"), room_id = c.param("room"), user_id = c.param("user");
  auto o = body_object(c.request.body);
  if (!o) return json_error(400, "body must be JSON {\"audio\", \"video\", \"screen\"}");
  if (!services.room(app_id, room_id)) return json_error(404, "no such room");
  if (!is_valid_id(user_id)) return json_error(400, "userId: 1-128 characters [a-zA-Z0-9@_.-]");
  MuteStream m{StreamId{std::string(app_id), std::string(room_id), std::string(user_id),
                        bool_field(*o, "screen", false) ? StreamKind::Screen : StreamKind::Main},
               bool_field(*o, "audio", false), bool_field(*o, "video", false)};
  Reply r = json_reply(R"({"ok":true})");
  r.log = LogLine{LogLine::Level::Info, "admin mute",
                  fmt::format("admin API: stream {} muted for everyone: audio={} video={}",
                              stream_key(m.id), m.audio, m.video)};
  r.effects.emplace_back(std::move(m));
  return r;
}

}  // namespace

void add_console_routes(Router& router, Services& services) {
  router.post(
      "/v1/admin/play-url", [&services](const Call& c) { return play_url(services, c); }, kAdmin);
  router.post(
      "/v1/admin/token", [&services](const Call& c) { return token(services, c); }, kAdmin);
  router.post(
      "/v1/admin/apps/{app}/rooms/{room}/users/{user}/mute",
      [&services](const Call& c) { return mute(services, c); }, kAdmin);
  // A WebSocket upgrade is taken over before the router (server/http_session.cpp): the key
  // arrives as the feed's first message, so the route itself is public.
  router.get("/v1/admin/feed", [](const Call&) {
    return json_error(426, "the console feed needs a WebSocket upgrade");
  });
}

}  // namespace minirtc::api
