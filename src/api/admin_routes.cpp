// The admin API (docs/operations.md, "Admin API"): every route is Access::Admin, so the router
// has checked the Bearer key before any of these runs.
//
// GET /v1/admin/streams in cluster mode (docs/cluster.md "Cluster-wide admin") lists every live
// node's streams. Rooms are in Redis (the room directory, written when they change), but stream
// statistics change every second (bytes, kbps, fps, viewers): keeping them in Redis would cost
// every node a write per stream per second, and every node a read of every other node's, for a
// listing an operator asks for now and then. So the listing is asked for when it is wanted: the
// route answers with a FanOut (api/request.hpp) to `GET /v1/admin/streams?scope=node` on every
// other live node (the registry as last read), with the admin key, each bounded in time
// (kNodeTimeoutMs) and size (kMaxNodeAnswerBytes); the I/O layer sends them at once without
// blocking the loop and hands the answers to the pure merge below. A node that does not answer
// (dead but not yet expired from the registry, unreachable, too slow) or answers something else
// is listed under "nodes" with its error; the others' streams are there all the same. Each entry
// carries the node that serves it, and `relayed` for an edge's copy of a stream published on
// another node (`origin`: the node holding its room), so an operator sees where viewers are.
// `scope=node` is this node's part alone (what the other nodes are asked for; no further fan-out).

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

constexpr std::uint32_t kNodeTimeoutMs = 2000;
constexpr std::size_t kMaxNodeAnswerBytes = 8 * 1024 * 1024;  // ~13,000 streams
/// Entries of the merged cluster listing; past it the reply says "truncated" (the per-node
/// counts under "nodes" stay whole).
constexpr std::size_t kMaxClusterStreams = 20000;

/// This node's streams; in cluster mode each with "node" and, for a relayed copy, "origin".
json::array local_streams(Services& services, std::uint64_t now_ms, const std::string& node) {
  json::array a;
  for (const auto& row : services.streams(now_ms)) {
    auto o = stream_json(row.id, row.stats);
    o["relayed"] = row.relayed;
    if (!node.empty()) {
      o["node"] = node;
      if (row.relayed)
        if (auto origin = services.room_elsewhere(row.id.app_id, row.id.room_id))
          o["origin"] = origin->id;
    }
    a.push_back(std::move(o));
  }
  return a;
}

/// One node's answer to ?scope=node as its stream entries, or why it cannot be used.
Result<json::array> node_streams(const std::string& node_id, const NodeAnswer& answer) {
  if (!answer.error.empty() || answer.status == 0)
    return make_error(answer.error.empty() ? "no answer" : answer.error);
  if (answer.status != 200) {
    std::string why = fmt::format("answered {}", answer.status);
    if (auto v = parse_json_body(answer.body))
      if (auto* o = v->if_object())
        if (auto* e = o->if_contains("error"); e && e->is_string())
          why += fmt::format(": {}", std::string_view(e->as_string()));
    if (answer.status == 401) why += " (is admin_key the same on every node?)";
    return make_error(why);
  }
  auto v = parse_json_body(answer.body, {.max_bytes = kMaxNodeAnswerBytes, .max_depth = 8});
  if (!v) return make_error("answer is not a stream list: " + v.error().reason);
  auto* o = v->if_object();
  auto* node = o ? o->if_contains("node") : nullptr;
  auto* list = o ? o->if_contains("streams") : nullptr;
  if (!node || !node->is_string() || !list || !list->is_array())
    return make_error("answer is not a stream list: {\"node\", \"streams\": [...]} expected");
  if (std::string_view(node->as_string()) != node_id)
    return make_error(
        fmt::format("answer is node {}'s, not {}'s", std::string_view(node->as_string()), node_id));
  json::array out = std::move(list->as_array());
  for (auto& e : out) {
    auto* entry = e.if_object();
    auto* key = entry ? entry->if_contains("stream") : nullptr;
    if (!key || !key->is_string()) return make_error("answer is not a stream list: bad entry");
    (*entry)["node"] = node_id;  // whatever it said, it is the node that answered
  }
  return out;
}

/// The merged listing: this node's streams, then each other node's in `targets` order.
Reply merge_streams(const std::string& self, json::array mine,
                    const std::vector<FanOut::Target>& targets, std::vector<NodeAnswer> answers) {
  json::array streams, nodes;
  bool truncated = false;
  auto take = [&](json::array& from) {
    for (auto& e : from) {
      if (streams.size() >= kMaxClusterStreams) {
        truncated = true;
        return;
      }
      streams.push_back(std::move(e));
    }
  };
  nodes.push_back(json::object{{"node", self}, {"streams", mine.size()}});
  take(mine);
  for (std::size_t i = 0; i < targets.size(); ++i) {
    const NodeAnswer none{0, {}, "no answer"};
    auto part = node_streams(targets[i].node_id, i < answers.size() ? answers[i] : none);
    if (!part) {
      json::object n{{"node", targets[i].node_id}, {"error", part.error().reason}};
      if (i >= answers.size() || answers[i].status == 0) n["unreachable"] = true;
      nodes.push_back(std::move(n));
      continue;
    }
    nodes.push_back(json::object{{"node", targets[i].node_id}, {"streams", part->size()}});
    take(*part);
  }
  json::object o{{"streams", std::move(streams)}, {"nodes", std::move(nodes)}};
  if (truncated) o["truncated"] = true;
  return json_reply(json::serialize(o));
}

/// GET /v1/admin/streams[?scope=node|cluster]: see the top of this file.
Reply streams(Services& services, const Call& c) {
  const auto scope = c.query.get("scope").value_or("cluster");
  if (scope != "cluster" && scope != "node")
    return json_error(400, "scope must be \"node\" (this node's streams) or \"cluster\"");
  const std::string self = services.node_id();
  auto mine = local_streams(services, c.request.now_ms, self);
  if (self.empty()) return json_reply(json::serialize(json::object{{"streams", std::move(mine)}}));
  if (scope == "node")
    return json_reply(json::serialize(json::object{{"node", self}, {"streams", std::move(mine)}}));
  auto fan = std::make_shared<FanOut>();
  for (auto& n : services.other_nodes())
    fan->targets.push_back({n.id, n.http_base + "/v1/admin/streams?scope=node"});
  if (fan->targets.empty()) return merge_streams(self, std::move(mine), {}, {});
  fan->timeout_ms = kNodeTimeoutMs;
  fan->max_answer_bytes = kMaxNodeAnswerBytes;
  fan->finish = [self, mine = std::move(mine),
                 targets = fan->targets](std::vector<NodeAnswer> answers) mutable {
    return merge_streams(self, std::move(mine), targets, std::move(answers));
  };
  Reply r;
  r.fan_out = std::move(fan);
  return r;
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
      "/v1/admin/streams", [&services](const Call& c) { return streams(services, c); }, kAdmin);
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
