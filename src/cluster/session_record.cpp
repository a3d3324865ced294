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
std::optional<room::PlayFormat> format_of(std::string_view s) {
  if (s == "rtmp") return room::PlayFormat::Rtmp;
  if (s == "flv") return room::PlayFormat::Flv;
  return std::nullopt;
}
}  // namespace

std::string encode_session_record(const SessionRecord& r) {
  const auto& m = r.member;
  json::object o;
  o["appId"] = r.app_id;
  o["roomId"] = r.room_id;
  o["userId"] = m.user_id;
  o["sessionToken"] = m.session_token;
  o["node"] = r.node_id;
  o["visible"] = m.visible;
  o["businessId"] = m.business_id;
  json::object g;
  g["join"] = m.grant.join;
  g["publish"] = m.grant.publish;
  g["subscribe"] = m.grant.subscribe;
  g["publishExpiresAt"] = m.grant.publish_expires_ms;
  g["subscribeExpiresAt"] = m.grant.subscribe_expires_ms;
  g["tokenExpiresAt"] = m.grant.token_expires_ms;
  o["grant"] = std::move(g);
  json::array pubs;
  for (const auto& p : m.publications) {
    json::object po;
    po["kind"] = to_string(p.kind);
    po["muteAudio"] = p.mute_audio;
    po["muteVideo"] = p.mute_video;
    pubs.push_back(std::move(po));
  }
  o["publications"] = std::move(pubs);
  json::array subs;
  for (const auto& s : m.subscriptions) {
    json::object so;
    so["userId"] = s.user_id;
    so["kind"] = to_string(s.kind);
    so["format"] = room::to_string(s.format);
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
  auto& m = r.member;
  f.string("appId", r.app_id, 24);
  f.string("roomId", r.room_id, 128);
  f.string("userId", m.user_id, 128);
  f.string("sessionToken", m.session_token, 128);
  f.string("node", r.node_id, 64);
  f.boolean("visible", m.visible);
  f.string("businessId", m.business_id, 128);
  if (auto* g = f.raw("grant")) {
    Fields gf(*g, "session record: grant");
    gf.boolean("join", m.grant.join);
    gf.boolean("publish", m.grant.publish);
    gf.boolean("subscribe", m.grant.subscribe);
    gf.u64("publishExpiresAt", m.grant.publish_expires_ms);
    gf.u64("subscribeExpiresAt", m.grant.subscribe_expires_ms);
    gf.u64("tokenExpiresAt", m.grant.token_expires_ms);
    if (auto st = gf.finish(); !st) return st.error();
  }
  if (auto* pubs = f.array("publications", 2)) {
    for (const auto& p : *pubs) {
      Fields pf(p, "session record: publication");
      room::ResumableMember::Publication pub;
      std::string kind;
      pf.string("kind", kind, 8);
      pf.boolean("muteAudio", pub.mute_audio);
      pf.boolean("muteVideo", pub.mute_video);
      if (auto st = pf.finish(); !st) return st.error();
      auto k = kind_of(kind);
      if (!k) return make_error("session record: a publication is not main or screen");
      pub.kind = *k;
      for (const auto& seen : m.publications)
        if (seen.kind == *k) return make_error("session record: a publication is listed twice");
      m.publications.push_back(pub);
    }
  }
  if (auto* subs = f.array("subscriptions", kMaxRecordSubscriptions)) {
    for (const auto& s : *subs) {
      Fields sf(s, "session record: subscription");
      room::ResumableMember::Subscription sub;
      std::string kind, format;
      sf.string("userId", sub.user_id, 128);
      sf.string("kind", kind, 8);
      sf.string("format", format, 8);
      sf.boolean("muteAudio", sub.mute_audio);
      sf.boolean("muteVideo", sub.mute_video);
      if (auto st = sf.finish(); !st) return st.error();
      auto k = kind_of(kind);
      if (!k) return make_error("session record: subscription kind is not main or screen");
      auto fm = format_of(format);
      if (!fm) return make_error("session record: subscription format is not rtmp or flv");
      sub.kind = *k;
      sub.format = *fm;
      if (!is_valid_id(sub.user_id))
        return make_error("session record: subscription userId is not a valid id");
      for (const auto& seen : m.subscriptions)
        if (seen.user_id == sub.user_id && seen.kind == sub.kind)
          return make_error("session record: a subscription is listed twice");
      m.subscriptions.push_back(std::move(sub));
    }
  }
  f.u64("updatedAt", r.updated_at_ms);
  if (auto st = f.finish(); !st) return st.error();
  if (!is_valid_app_id(r.app_id)) return make_error("session record: appId is not valid");
  if (!is_valid_id(r.room_id) || !is_valid_id(m.user_id))
    return make_error("session record: roomId or userId is not valid");
  if (!m.business_id.empty() && !is_valid_id(m.business_id))
    return make_error("session record: businessId is not valid");
  if (m.session_token.empty()) return make_error("session record: sessionToken is empty");
  if (!is_valid_node_id(r.node_id)) return make_error("session record: node is not a node id");
  return r;
}

}  // namespace minirtc::cluster
