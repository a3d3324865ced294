#include "cluster/room_directory.hpp"

#include "cluster/json_fields.hpp"
#include "core/ids.hpp"

namespace minirtc::cluster {

namespace json = boost::json;

std::string room_field(std::string_view app_id, std::string_view room_id) {
  std::string f(app_id);
  f += '/';
  f += room_id;
  return f;
}

Result<std::pair<std::string, std::string>> parse_room_field(std::string_view field) {
  const auto slash = field.find('/');
  if (slash == std::string_view::npos) return make_error("room field: no '/'");
  std::string app(field.substr(0, slash)), room(field.substr(slash + 1));
  if (!is_valid_app_id(app) || !is_valid_id(room))
    return make_error("room field: not a valid appId/roomId");
  return std::pair{std::move(app), std::move(room)};
}

std::string encode_room_entry(const room::RoomSummary& s) {
  json::object o;
  o["createdMs"] = s.created_ms;
  o["users"] = s.users;
  o["visibleUsers"] = s.visible_users;
  o["invisibleUsers"] = s.invisible_users;
  o["publications"] = s.publications;
  o["liveStreams"] = s.live_streams;
  o["subscribedStreams"] = s.subscribed_streams;
  o["subscriptions"] = s.subscriptions;
  return json::serialize(o);
}

Result<room::RoomSummary> decode_room_entry(std::string_view text) {
  Fields f(text, 1024, "room entry");
  room::RoomSummary s;
  f.u64("createdMs", s.created_ms);
  f.integer("users", s.users);
  f.integer("visibleUsers", s.visible_users);
  f.integer("invisibleUsers", s.invisible_users);
  f.integer("publications", s.publications);
  f.integer("liveStreams", s.live_streams);
  f.integer("subscribedStreams", s.subscribed_streams);
  f.integer("subscriptions", s.subscriptions);
  if (auto st = f.finish(); !st) return st.error();
  return s;
}

}  // namespace minirtc::cluster
