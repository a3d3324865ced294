#include "record/recording.hpp"

#include <boost/json.hpp>

namespace minirtc::record {

namespace json = boost::json;

namespace {
constexpr std::size_t kIdHexChars = 20;

bool is_lower_hex(std::string_view s) noexcept {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}
}  // namespace

std::string_view to_string(State s) noexcept {
  switch (s) {
    case State::Recording:
      return "recording";
    case State::Finishing:
      return "finishing";
    case State::Finished:
      return "finished";
    case State::Failed:
      return "failed";
  }
  return "failed";
}

bool is_recording_id(std::string_view id) noexcept {
  return id.size() == 1 + kIdHexChars && id.front() == 'r' && is_lower_hex(id.substr(1));
}

std::string make_recording_id(std::uint64_t started_ms, std::string_view random_hex8) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id = "r";
  // 48 bits of milliseconds (until the year 10889), then the random part.
  for (int shift = 44; shift >= 0; shift -= 4) id.push_back(kHex[(started_ms >> shift) & 0xF]);
  id.append(random_hex8.substr(0, 8));
  while (id.size() < 1 + kIdHexChars) id.push_back('0');
  return id;
}

std::string flv_name(std::string_view id) {
  return std::string(id) + ".flv";
}
std::string mp4_name(std::string_view id) {
  return std::string(id) + ".mp4";
}
std::string sidecar_name(std::string_view id) {
  return std::string(id) + ".json";
}

json::object to_json_object(const RecordingInfo& r) {
  json::object o;
  o["id"] = r.id;
  o["appId"] = r.app_id;
  o["roomId"] = r.room_id;
  o["userId"] = r.user_id;
  o["stream"] = r.stream;
  o["state"] = to_string(r.state);
  o["startedAt"] = r.started_ms;
  o["stoppedAt"] = r.stopped_ms;
  o["durationMs"] = r.duration_ms;
  o["sizeBytes"] = r.size_bytes;
  o["file"] = r.file;
  o["error"] = r.error;
  o["recovered"] = r.recovered;
  return o;
}

std::string to_json(const RecordingInfo& r) {
  return json::serialize(to_json_object(r));
}

Result<RecordingInfo> from_json(std::string_view text) {
  if (text.size() > kMaxSidecarBytes) return make_error("sidecar too large");
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec) return make_error("sidecar is not JSON: " + ec.message());
  const auto* o = v.if_object();
  if (!o) return make_error("sidecar is not a JSON object");
  RecordingInfo r;
  std::string missing;
  auto str = [&](std::string_view key, std::string& out) {
    const auto* f = o->if_contains(key);
    if (!f || !f->is_string()) return missing.empty() ? void(missing = key) : void();
    out = std::string(f->as_string());
  };
  auto num = [&](std::string_view key, std::uint64_t& out) {
    const auto* f = o->if_contains(key);
    if (f && f->is_uint64())
      out = f->as_uint64();
    else if (f && f->is_int64() && f->as_int64() >= 0)
      out = static_cast<std::uint64_t>(f->as_int64());
    else if (missing.empty())
      missing = key;
  };
  std::string state;
  str("id", r.id);
  str("appId", r.app_id);
  str("roomId", r.room_id);
  str("userId", r.user_id);
  str("stream", r.stream);
  str("state", state);
  num("startedAt", r.started_ms);
  num("stoppedAt", r.stopped_ms);
  num("durationMs", r.duration_ms);
  num("sizeBytes", r.size_bytes);
  str("file", r.file);
  str("error", r.error);
  if (const auto* f = o->if_contains("recovered")) {
    if (!f->is_bool()) return make_error("sidecar field recovered is not true or false");
    r.recovered = f->as_bool();
  }
  if (!missing.empty()) return make_error("sidecar field " + missing + " missing or mistyped");
  if (!is_recording_id(r.id)) return make_error("sidecar id is not a recording id");
  if (state == "recording")
    r.state = State::Recording;
  else if (state == "finishing")
    r.state = State::Finishing;
  else if (state == "finished")
    r.state = State::Finished;
  else if (state == "failed")
    r.state = State::Failed;
  else
    return make_error("sidecar state '" + state + "' unknown");
  if (!r.file.empty() && r.file != flv_name(r.id) && r.file != mp4_name(r.id))
    return make_error("sidecar file is not this recording's own");
  return r;
}

Recovery recovery_action(State state, bool flv_exists) noexcept {
  if (state == State::Finished || state == State::Failed) return Recovery::None;
  return flv_exists ? Recovery::Remux : Recovery::Missing;
}

}  // namespace minirtc::record
