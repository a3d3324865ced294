#include "cluster/node_record.hpp"

#include <cmath>

#include "cluster/json_fields.hpp"

namespace minirtc::cluster {

namespace json = boost::json;

namespace {
bool id_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

/// At most kMaxRecordUrl characters, each visible ASCII (no space, control or non-ASCII byte):
/// JSON escapes at most '"' and '\\' of them, to two characters, so the encoding of any record
/// decode accepts stays within decode's size bound (3 × 2 × 512 + the rest < 4096).
bool visible_ascii(std::string_view s) noexcept {
  if (s.size() > kMaxRecordUrl) return false;
  for (char c : s)
    if (c < 0x21 || c > 0x7e) return false;
  return true;
}

/// `d` to 3 decimals (see node_record.hpp: what Boost.JSON 1.81 reads back exactly).
double milli(double d) noexcept {
  return std::round(d * 1000) / 1000;
}

bool url_with_scheme(std::string_view url, std::initializer_list<std::string_view> schemes) {
  if (!visible_ascii(url)) return false;
  for (auto s : schemes)
    if (url.starts_with(s) && url.size() > s.size()) return true;
  return false;
}
}  // namespace

bool is_valid_node_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id)
    if (!id_char(c)) return false;
  return true;
}

bool is_valid_path_prefix(std::string_view p) noexcept {
  if (p.empty()) return true;
  if (p.size() > 64 || p.front() != '/' || p.back() == '/') return false;
  char prev = 0;
  for (char c : p) {
    if (c == '/' && prev == '/') return false;
    if (c != '/' && !id_char(c)) return false;
    prev = c;
  }
  return true;
}

std::string NodeRecord::http_base() const {
  return public_url + path_prefix;
}

std::string NodeRecord::signal_url() const {
  const auto base = http_base();
  if (base.starts_with("https://")) return "wss://" + base.substr(8) + "/v1/signal";
  if (base.starts_with("http://")) return "ws://" + base.substr(7) + "/v1/signal";
  return base + "/v1/signal";
}

std::string encode_node_record(const NodeRecord& r) {
  json::object o;
  o["id"] = r.id;
  o["publicUrl"] = r.public_url;
  o["pathPrefix"] = r.path_prefix;
  o["rtmpUrl"] = r.rtmp_url;
  o["relayAddress"] = r.relay_address;
  o["rooms"] = r.rooms;
  o["sessions"] = r.sessions;
  o["viewers"] = r.viewers;
  o["egressMbps"] = milli(r.egress_mbps);
  o["cpuPercent"] = milli(r.cpu_percent);
  o["startedAt"] = r.started_at_ms;
  o["updatedAt"] = r.updated_at_ms;
  return json::serialize(o);
}

Result<NodeRecord> decode_node_record(std::string_view text) {
  Fields f(text, 4096, "node record");
  NodeRecord r;
  f.string("id", r.id, 64);
  f.string("publicUrl", r.public_url, kMaxRecordUrl);
  f.string("pathPrefix", r.path_prefix, 64);
  f.string("rtmpUrl", r.rtmp_url, kMaxRecordUrl);
  f.string("relayAddress", r.relay_address, kMaxRecordUrl);
  f.u32("rooms", r.rooms);
  f.u32("sessions", r.sessions);
  f.u32("viewers", r.viewers);
  f.number("egressMbps", r.egress_mbps);
  f.number("cpuPercent", r.cpu_percent);
  f.u64("startedAt", r.started_at_ms);
  f.u64("updatedAt", r.updated_at_ms);
  if (auto st = f.finish(); !st) return st.error();
  r.egress_mbps = milli(r.egress_mbps);
  r.cpu_percent = milli(r.cpu_percent);
  if (!is_valid_node_id(r.id)) return make_error("node record: id is not 1-64 [a-zA-Z0-9_.-]");
  if (!url_with_scheme(r.public_url, {"http://", "https://"}))
    return make_error("node record: publicUrl is not an http(s) URL");
  if (!is_valid_path_prefix(r.path_prefix))
    return make_error("node record: pathPrefix is not /segment[/segment]");
  if (!url_with_scheme(r.rtmp_url, {"rtmp://", "rtmps://"}))
    return make_error("node record: rtmpUrl is not an rtmp(s) URL");
  if (!visible_ascii(r.relay_address))
    return make_error("node record: relayAddress is not visible ASCII");
  return r;
}

}  // namespace minirtc::cluster
