#include "signal/admin_json.hpp"

#include <boost/json.hpp>

namespace minirtc::signal {

namespace json = boost::json;

namespace {

json::string_view sv(std::string_view s) {
  return json::string_view(s.data(), s.size());
}

void put_summary(json::object& o, const room::RoomSummary& s) {
  o["roomId"] = s.room_id;
  o["createdMs"] = s.created_ms;
  o["users"] = s.users;
  o["visibleUsers"] = s.visible_users;
  o["invisibleUsers"] = s.invisible_users;
  o["publications"] = s.publications;
  o["liveStreams"] = s.live_streams;
  o["subscribedStreams"] = s.subscribed_streams;
  o["subscriptions"] = s.subscriptions;
}

json::value quality(const room::QualityView& q) {
  json::object o;
  o["uid"] = q.uid;
  o["screen"] = q.screen;
  if (q.has_state) {
    json::object state;
    state["code"] = q.code;
    state["message"] = q.message;
    state["timeMs"] = q.state_time_ms;
    o["state"] = std::move(state);
  } else {
    o["state"] = nullptr;
  }
  json::value net = nullptr;
  if (!q.net_info_json.empty()) {
    boost::system::error_code ec;
    json::value parsed = json::parse(sv(q.net_info_json), ec);
    if (!ec) net = std::move(parsed);
  }
  o["net"] = std::move(net);
  o["netTimeMs"] = q.net_time_ms;
  o["failed"] = q.failed;
  return o;
}

json::value member(const room::MemberView& m) {
  json::object o;
  o["userId"] = m.user_id;
  o["state"] = sv(room::to_string(m.state));
  o["visible"] = m.visible;
  o["businessId"] = m.business_id;
  json::object sdk;
  sdk["name"] = m.sdk_name;
  sdk["version"] = m.sdk_version;
  o["sdk"] = std::move(sdk);
  o["joinedMs"] = m.joined_ms;
  json::array pubs;
  for (const auto& p : m.publications) {
    json::object e;
    e["screen"] = p.screen;
    e["live"] = p.live;
    e["hasAudio"] = p.has_audio;
    e["hasVideo"] = p.has_video;
    e["muteAudio"] = p.mute_audio;
    e["muteVideo"] = p.mute_video;
    e["failed"] = p.failed;
    e["signalled"] = p.signalled;
    e["sinceMs"] = p.since_ms;
    pubs.push_back(std::move(e));
  }
  o["publications"] = std::move(pubs);
  json::array subs;
  for (const auto& s : m.subscriptions) {
    json::object e;
    e["userId"] = s.uid;
    e["screen"] = s.screen;
    e["format"] = sv(room::to_string(s.format));
    e["muteAudio"] = s.mute_audio;
    e["muteVideo"] = s.mute_video;
    subs.push_back(std::move(e));
  }
  o["subscriptions"] = std::move(subs);
  json::array pusher, players;
  for (const auto& q : m.pusher_quality) pusher.push_back(quality(q));
  for (const auto& q : m.player_quality) players.push_back(quality(q));
  json::object q;
  q["pusher"] = std::move(pusher);
  q["players"] = std::move(players);
  o["quality"] = std::move(q);
  return o;
}

}  // namespace

std::string rooms_json(std::string_view app_id, std::span<const room::RoomSummary> rooms,
                       std::span<const std::string> nodes) {
  json::array list;
  for (std::size_t i = 0; i < rooms.size(); i++) {
    json::object o;
    put_summary(o, rooms[i]);
    if (i < nodes.size()) o["node"] = nodes[i];
    list.push_back(std::move(o));
  }
  json::object o;
  o["appId"] = sv(app_id);
  o["rooms"] = std::move(list);
  return json::serialize(o);
}

std::string room_json(const room::RoomView& view) {
  json::object o;
  o["appId"] = view.summary.app_id;
  put_summary(o, view.summary);
  json::array forbidden;
  for (const auto& u : view.publish_forbidden) forbidden.emplace_back(sv(u));
  o["publishForbidden"] = std::move(forbidden);
  json::array users;
  for (const auto& m : view.members) users.push_back(member(m));
  o["members"] = std::move(users);
  return json::serialize(o);
}

std::string counts_json(const room::Counts& c) {
  json::object o;
  o["apps"] = c.apps;
  o["rooms"] = c.rooms;
  o["members"] = c.members;
  o["connected"] = c.connected;
  o["detached"] = c.detached;
  o["mediaOnly"] = c.media_only;
  o["publications"] = c.publications;
  o["liveStreams"] = c.live_streams;
  o["subscriptions"] = c.subscriptions;
  return json::serialize(o);
}

std::string error_json(std::string_view reason) {
  json::object o;
  o["error"] = sv(reason);
  return json::serialize(o);
}

}  // namespace minirtc::signal
