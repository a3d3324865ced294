#include "cluster/session_record.hpp"

#include "cluster/json_fields.hpp"
#include "cluster/node_record.hpp"

namespace minirtc::cluster {

namespace json = boost::json;

namespace {
std::optional<StreamKind> kind_of(std::string_view s) {
  if (s == "main") return StreamKind::Main;
  if (s == "screen") return StreamKind::Screen;
  return std::nullopt;
}
}  // namespace

std::string encode_session_record(const SessionRecord& r) {
  json::object o;
  o["appId"] = r.app_id;
  o["roomId"] = r.room_id;
  o["userId"] = r.user_id;
  o["sessionToken"] = r.session_token;
  o["node"] = r.node_id;
  o["visible"] = r.visible;
  json::object g;
  g["join"] = r.grant.join;
  g["publish"] = r.grant.publish;
  g["subscribe"] = r.grant.subscribe;
  g["publishExpiresAt"] = r.grant.publish_expires_ms;
  g["subscribeExpiresAt"] = r.grant.subscribe_expires_ms;
  g["tokenExpiresAt"] = r.grant.token_expires_ms;
  o["grant"] = std::move(g);
  json::array pubs;
  for (auto k : r.publications) pubs.emplace_back(to_string(k));
  o["publications"] = std::move(pubs);
  json::array subs;
  for (const auto& s : r.subscriptions) {
    json::object so;
    so["userId"] = s.user_id;
    so["kind"] = to_string(s.kind);
    so["muteAudio"] = s.mute_audio;
    so["muteVideo"] = s.mute_video;
    subs.push_back(std::move(so));
  }
  o["subscriptions"] = std::move(subs);
  o["updatedAt"] = r.updated_at_ms;
  return json::serialize(o);
}

Result<SessionRecord> decode_session_record(std::string_view text) {
  Fields f(text, 32 * 1024, "session record");
  SessionRecord r;
  f.string("appId", r.app_id, 24);
  f.string("roomId", r.room_id, 128);
  f.string("userId", r.user_id, 128);
  f.string("sessionToken", r.session_token, 128);
  f.string("node", r.node_id, 64);
  f.boolean("visible", r.visible);
  if (auto* g = f.raw("grant")) {
    Fields gf(*g, "session record: grant");
    gf.boolean("join", r.grant.join);
    gf.boolean("publish", r.grant.publish);
    gf.boolean("subscribe", r.grant.subscribe);
    gf.u64("publishExpiresAt", r.grant.publish_expires_ms);
    gf.u64("subscribeExpiresAt", r.grant.subscribe_expires_ms);
    gf.u64("tokenExpiresAt", r.grant.token_expires_ms);
    if (auto st = gf.finish(); !st) return st.error();
  }
  if (auto* pubs = f.array("publications", 2)) {
    for (const auto& p : *pubs) {
      auto k = p.is_string() ? kind_of(p.as_string()) : std::nullopt;
      if (!k) return make_error("session record: a publication is not main or screen");
      for (auto seen : r.publications)
        if (seen == *k) return make_error("session record: a publication is listed twice");
      r.publications.push_back(*k);
    }
  }
  if (auto* subs = f.array("subscriptions", kMaxRecordSubscriptions)) {
    for (const auto& s : *subs) {
      Fields sf(s, "session record: subscription");
      SessionRecord::Subscription sub;
      std::string kind;
      sf.string("userId", sub.user_id, 128);
      sf.string("kind", kind, 8);
      sf.boolean("muteAudio", sub.mute_audio);
      sf.boolean("muteVideo", sub.mute_video);
      if (auto st = sf.finish(); !st) return st.error();
      auto k = kind_of(kind);
      if (!k) return make_error("session record: subscription kind is not main or screen");
      sub.kind = *k;
      if (!is_valid_id(sub.user_id))
        return make_error("session record: subscription userId is not a valid id");
      r.subscriptions.push_back(std::move(sub));
    }
  }
  f.u64("updatedAt", r.updated_at_ms);
  if (auto st = f.finish(); !st) return st.error();
  if (!is_valid_app_id(r.app_id)) return make_error("session record: appId is not valid");
  if (!is_valid_id(r.room_id) || !is_valid_id(r.user_id))
    return make_error("session record: roomId or userId is not valid");
  if (r.session_token.empty()) return make_error("session record: sessionToken is empty");
  if (!is_valid_node_id(r.node_id)) return make_error("session record: node is not a node id");
  return r;
}

}  // namespace minirtc::cluster
