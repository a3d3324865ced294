// The recording routes (api/recording_routes.hpp): requests checked and answers rendered here,
// the recordings themselves kept by the node behind api::Recorder.

#include "api/recording_routes.hpp"

#include <fmt/format.h>
#include <boost/json.hpp>

#include "record/download_url.hpp"

namespace minirtc::api {

namespace json = boost::json;

namespace {

constexpr RouteOptions kAdmin{.access = Access::Admin};
constexpr std::int64_t kMaxUrlTtlS = 7 * 24 * 3600;

Reply info_reply(const record::RecordingInfo& info) {
  return json_reply(json::serialize(record::to_json_object(info)));
}

json::array string_array(const std::vector<std::string>& ids) {
  json::array a;
  for (const auto& id : ids) a.push_back(json::value(id));
  return a;
}

/// POST .../start and .../stop: {"appId", "roomId", "userId"?, "screen"?}.
Reply start_or_stop(Recorder& rec, const Call& c, bool start) {
  auto body = parse_json_body(c.request.body);
  if (!body || !body->is_object())
    return json_error(400, R"(body must be JSON {"appId", "roomId", "userId"?, "screen"?})");
  const auto& o = body->as_object();
  auto str = [&](std::string_view k) -> std::string {
    if (auto* f = o.if_contains(k); f && f->is_string()) return std::string(f->as_string());
    return {};
  };
  StreamId id{str("appId"), str("roomId"), str("userId"), StreamKind::Main};
  if (auto* s = o.if_contains("screen"); s && s->is_bool() && s->as_bool())
    id.kind = StreamKind::Screen;
  if (!rec.app_key(id.app_id)) return json_error(404, "unknown appId");
  if (!is_valid_id(id.room_id)) return json_error(400, "roomId is required");
  if (!id.user_id.empty() && !is_valid_id(id.user_id))
    return json_error(400, "userId is not a valid id");
  if (!start)
    return json_reply(
        json::serialize(json::object{{"stopped", string_array(rec.stop_streams(id))}}));
  if (rec.shutting_down()) return json_error(503, "server shutting down");
  if (id.user_id.empty())
    return json_reply(json::serialize(json::object{
        {"room", true}, {"started", string_array(rec.start_room(id.app_id, id.room_id))}}));
  auto r = rec.start_stream(id);
  if (!r) return json_error(409, r.error().reason);
  return info_reply(*r);
}

/// POST /v1/admin/recordings/{id}/url {"ttlSeconds"?}.
Reply mint_url(Recorder& rec, const Call& c) {
  const auto info = rec.find(c.param("id"));
  if (!info) return json_error(404, "no such recording");
  if (!rec.mp4_path(info->id)) return json_error(409, "recording has no MP4 (yet)");
  const auto key = rec.app_key(info->app_id);
  if (!key) return json_error(409, "the recording's app is no longer configured");
  std::uint64_t ttl = rec.default_url_ttl_s();
  auto body = parse_json_body(c.request.body);
  if (!body) return json_error(400, R"(body must be JSON {"ttlSeconds"?})");
  if (auto* o = body->if_object())
    if (auto* t = o->if_contains("ttlSeconds")) {
      if (!t->is_int64() || t->as_int64() <= 0 || t->as_int64() > kMaxUrlTtlS)
        return json_error(400, fmt::format("ttlSeconds must be 1 to {}", kMaxUrlTtlS));
      ttl = static_cast<std::uint64_t>(t->as_int64());
    }
  const auto expire = static_cast<std::uint32_t>(c.request.now_ms / 1000 + ttl);
  json::object o;
  o["url"] = rec.http_base() + record::download_target(info->id, expire, *key);
  o["expiresAt"] = expire;
  return json_reply(json::serialize(o));
}

/// GET|HEAD /v1/recordings/{id}.mp4?e=&s=: the signature checked with the app's key.
Reply download(Recorder& rec, const Call& c) {
  const auto id = c.param("id");
  auto refuse = [](unsigned status, std::string reason) {
    Reply r = json_error(status, reason);
    r.log = LogLine{LogLine::Level::Info, "recording download refused",
                    "recording download refused: " + reason};
    return r;
  };
  const auto info = record::is_recording_id(id) ? rec.find(id) : std::nullopt;
  const auto path = info ? rec.mp4_path(id) : std::nullopt;
  const auto key = info ? rec.app_key(info->app_id) : std::nullopt;
  if (!path || !key) return refuse(404, "no such recording");
  if (auto st = record::verify_download(id, c.request.query, *key,
                                        static_cast<std::uint32_t>(c.request.now_ms / 1000));
      !st) {
    Reply r = refuse(403, st.error().reason);
    r.rejected = "recording_download_url";
    return r;
  }
  Reply r;
  r.content_type = "video/mp4";
  r.file = FileBody{*path, record::mp4_name(id)};
  return r;
}

}  // namespace

void add_recording_routes(Router& router, Recorder& rec) {
  router.get(
      "/v1/admin/recordings",
      [&rec](const Call&) {
        json::array a;
        for (const auto& info : rec.list()) a.push_back(record::to_json_object(info));
        return json_reply(json::serialize(json::object{{"recordings", std::move(a)}}));
      },
      kAdmin);
  router.post(
      "/v1/admin/recordings/start", [&rec](const Call& c) { return start_or_stop(rec, c, true); },
      kAdmin);
  router.post(
      "/v1/admin/recordings/stop", [&rec](const Call& c) { return start_or_stop(rec, c, false); },
      kAdmin);
  router.get(
      "/v1/admin/recordings/{id}",
      [&rec](const Call& c) {
        const auto info = rec.find(c.param("id"));
        return info ? info_reply(*info) : json_error(404, "no such recording");
      },
      kAdmin);
  router.add(
      {"DELETE"}, "/v1/admin/recordings/{id}",
      [&rec](const Call& c) {
        if (!rec.find(c.param("id"))) return json_error(404, "no such recording");
        if (auto st = rec.remove(c.param("id")); !st) return json_error(409, st.error().reason);
        return json_reply(R"({"deleted":true})");
      },
      kAdmin);
  router.post(
      "/v1/admin/recordings/{id}/stop",
      [&rec](const Call& c) {
        const auto id = c.param("id");
        if (!rec.find(id)) return json_error(404, "no such recording");
        if (auto st = rec.stop(id); !st) return json_error(409, st.error().reason);
        return info_reply(*rec.find(id));
      },
      kAdmin);
  router.post(
      "/v1/admin/recordings/{id}/url", [&rec](const Call& c) { return mint_url(rec, c); }, kAdmin);
  router.add({"GET", "HEAD"}, "/v1/recordings/{id}.mp4",
             [&rec](const Call& c) { return download(rec, c); }, {.raw_query = true});
}

}  // namespace minirtc::api
