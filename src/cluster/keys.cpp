#include "cluster/keys.hpp"

namespace minirtc::cluster::keys {

namespace {
std::string join(std::initializer_list<std::string_view> parts) {
  std::string out(kPrefix);
  for (auto p : parts) out.append(p);
  return out;
}
}  // namespace

std::string room_tag(std::string_view app_id, std::string_view room_id) {
  std::string t = "{";
  t.append(app_id).append("/").append(room_id).append("}");
  return t;
}

std::string node_index() {
  return join({"nodes"});
}
std::string node(std::string_view node_id) {
  return join({"node:", node_id});
}
std::string node_rooms(std::string_view node_id) {
  return join({"node:", node_id, ":rooms"});
}
std::string apps_fingerprint() {
  return join({"apps"});
}
std::string room_pin(std::string_view app_id, std::string_view room_id) {
  return join({"room:", room_tag(app_id, room_id), ":pin"});
}
std::string room_sessions(std::string_view app_id, std::string_view room_id) {
  return join({"room:", room_tag(app_id, room_id), ":sessions"});
}
std::string broadcast() {
  return join({"broadcast"});
}
std::string node_channel(std::string_view node_id) {
  return join({"node:", node_id, ":inbox"});
}

}  // namespace minirtc::cluster::keys
