// The admin API (docs/operations.md, "Admin API"): every route is Access::Admin, so the router
// has checked the Bearer key before any of these runs.

#include <fmt/format.h>
#include <boost/json.hpp>

#include "api/routes.hpp"
#include "auth/url_signer.hpp"
#include "signal/admin_json.hpp"

namespace minirtc::api {

namespace json = boost::json;

namespace {

constexpr RouteOptions kAdmin{.access = Access::Admin};

bool known_app(Services& services, std::string_view app_id) {
  for (const auto& app : services.apps())
    if (app.id == app_id) return true;
  return false;
}

Reply apps(Services& services) {
  json::array a;
  for (const auto& app : services.apps()) {
    json::object o;
    o["appId"] = app.id;
    o["development"] = app.development;
    o["rooms"] = services.list_rooms(app.id).size();
    a.push_back(std::move(o));
  }
  return json_reply(json::serialize(json::object{{"apps", std::move(a)}}));
}

Reply streams(Services& services, std::uint64_t now_ms) {
  json::array a;
  for (const auto& [id, st] : services.streams(now_ms)) a.push_back(stream_json(id, st));
  return json_reply(json::serialize(json::object{{"streams", std::move(a)}}));
}

/// POST /v1/admin/urls/{nonce}/revoke: only the nonces signed URLs carry, so a typo or a whole
/// URL pasted in is an error instead of a revocation that matches nothing.
Reply revoke(const Call& c) {
  const auto nonce = c.param("nonce");
  if (!auth::is_url_nonce(nonce)) {
    Reply r = json_error(400, fmt::format("nonce must be {} lower-case hex characters, as in a "
                                          "signed URL's n field",
                                          auth::kUrlNonceLength));
    r.rejected = "admin_bad_nonce";
    return r;
  }
  Reply r = json_reply(R"({"revoked":true})");
  r.effects.emplace_back(RevokeUrl{std::string(nonce), "URL revoked by the admin API"});
  return r;
}

/// A room command's answer: its error (404 for NOT_FOUND, else 400, logged with what was being
/// done), or {"ok":true} with the Outcome for the I/O layer to apply.
Reply outcome_reply(room::Outcome&& out, std::string_view what) {
  if (out.error) {
    const unsigned status = out.error->code == room::ErrorCode::NotFound ? 404 : 400;
    Reply r = json_error(status, out.error->message);
    r.log = LogLine{LogLine::Level::Info, "admin refused",
                    with_context(make_error(out.error->message), what).reason};
    return r;
  }
  Reply r = json_reply(R"({"ok":true})");
  r.effects.emplace_back(std::move(out));
  return r;
}

/// The body's "reason" string, else `fallback` (an absent, malformed or non-object body too).
std::string reason_of(std::string_view body, std::string_view fallback) {
  if (auto v = parse_json_body(body))
    if (auto* o = v->if_object())
      if (auto* r = o->if_contains("reason"); r && r->is_string())
        return std::string(r->as_string());
  return std::string(fallback);
}

/// The rooms of an app: every handler first refuses an app this node does not serve.
template <class F>
Handler for_app(Services& services, F f) {
  return [&services, f](const Call& c) -> Reply {
    if (!known_app(services, c.param("app"))) return json_error(404, "unknown appId");
    return f(c);
  };
}

/// A room's routes: in cluster mode a room another node holds is answered there — a 307 to the
/// same path and query on that node (the method and body are kept; the admin key is the
/// cluster's, so the client sends it again).
template <class F>
Handler for_room(Services& services, F f) {
  return for_app(services, [&services, f](const Call& c) -> Reply {
    const auto app = c.param("app"), room = c.param("room");
    if (!services.room(app, room))
      if (auto node = services.room_elsewhere(app, room)) {
        Reply r =
            json_reply(json::serialize(json::object{
                           {"error", "the room is held by node " + node->id}, {"node", node->id}}),
                       307);
        std::string location = node->http_base + std::string(c.request.path);
        if (!c.request.query.empty()) location += "?" + std::string(c.request.query);
        r.headers.emplace_back("Location", std::move(location));
        return r;
      }
    return f(c);
  });
}

/// GET /v1/admin/apps/{app}/rooms: this node's rooms, and in cluster mode every other live
/// node's too (the room directory), each with the node holding it.
Reply list_rooms(Services& services, std::string_view app) {
  auto rooms = services.list_rooms(app);
  const auto self = services.node_id();
  if (self.empty()) return json_reply(signal::rooms_json(app, rooms));
  std::vector<std::string> nodes(rooms.size(), self);
  for (auto& r : services.remote_rooms(app)) {
    rooms.push_back(std::move(r.summary));
    nodes.push_back(std::move(r.node.id));
  }
  return json_reply(signal::rooms_json(app, rooms, nodes));
}

}  // namespace

json::object stream_json(const StreamId& id, const media::StreamStats& st) {
  json::object o;
  o["stream"] = stream_key(id);
  o["appId"] = id.app_id;
  o["roomId"] = id.room_id;
  o["userId"] = id.user_id;
  o["screen"] = id.screen();
  o["publishing"] = st.publishing;
  o["live"] = st.live;
  o["viewers"] = st.viewers;
  o["bytesIn"] = st.bytes_in;
  o["bytesOut"] = st.bytes_out;
  o["videoKbps"] = st.video_kbps;
  o["audioKbps"] = st.audio_kbps;
  o["fps"] = st.fps;
  o["gopMs"] = st.gop_ms;
  o["width"] = st.width;
  o["height"] = st.height;
  o["videoCodec"] = st.video_codec;
  o["audioCodec"] = st.audio_codec;
  o["videoFrames"] = st.video_frames;
  o["audioFrames"] = st.audio_frames;
  o["droppedFrames"] = st.dropped_frames;
  o["takeovers"] = st.takeovers;
  o["muteAudio"] = st.mute_audio;
  o["muteVideo"] = st.mute_video;
  return o;
}

void add_admin_routes(Router& router, Services& services) {
  router.get(
      "/v1/admin/apps", [&services](const Call&) { return apps(services); }, kAdmin);
  router.get(
      "/v1/admin/streams",
      [&services](const Call& c) { return streams(services, c.request.now_ms); }, kAdmin);
  router.post("/v1/admin/urls/{nonce}/revoke", revoke, kAdmin);

  router.get("/v1/admin/apps/{app}/rooms",
             for_app(services,
                     [&services](const Call& c) { return list_rooms(services, c.param("app")); }),
             kAdmin);
  router.get("/v1/admin/apps/{app}/rooms/{room}",
             for_room(services,
                      [&services](const Call& c) {
                        auto view = services.room(c.param("app"), c.param("room"));
                        if (!view) return json_error(404, "no such room");
                        return json_reply(signal::room_json(*view));
                      }),
             kAdmin);
  router.post(
      "/v1/admin/apps/{app}/rooms/{room}/dismiss",
      for_room(services,
               [&services](const Call& c) {
                 const auto app = c.param("app"), room = c.param("room");
                 return outcome_reply(
                     services.dismiss(app, room, reason_of(c.request.body, "room dismissed"),
                                      c.request.now_ms),
                     fmt::format("admin dismiss {}/{}", app, room));
               }),
      kAdmin);
  router.post("/v1/admin/apps/{app}/rooms/{room}/users/{user}/kick",
              for_room(services,
                       [&services](const Call& c) {
                         const auto app = c.param("app"), room = c.param("room"),
                                    user = c.param("user");
                         return outcome_reply(
                             services.kick(app, room, user, reason_of(c.request.body, "kicked"),
                                           c.request.now_ms),
                             fmt::format("admin kick {}/{}/{}", app, room, user));
                       }),
              kAdmin);
  router.post(
      "/v1/admin/apps/{app}/rooms/{room}/users/{user}/forbid-publish",
      for_room(services,
               [&services](const Call& c) {
                 const auto app = c.param("app"), room = c.param("room"), user = c.param("user");
                 const auto what = fmt::format("admin forbid-publish {}/{}/{}", app, room, user);
                 auto body = parse_json_body(c.request.body);
                 if (!body) {
                   Reply r = json_error(400, "body must be JSON {\"forbidden\": true|false}");
                   r.log = LogLine{LogLine::Level::Info, "admin refused",
                                   with_context(body.error(), what).reason};
                   return r;
                 }
                 bool forbidden = true;
                 if (auto* o = body->if_object())
                   if (auto* f = o->if_contains("forbidden"); f && f->is_bool())
                     forbidden = f->as_bool();
                 return outcome_reply(
                     services.forbid_publish(app, room, user, forbidden, c.request.now_ms), what);
               }),
      kAdmin);
}

}  // namespace minirtc::api
