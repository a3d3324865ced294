#include "signal/report_json.hpp"

#include <boost/json.hpp>
#include <cmath>
#include <limits>
#include <optional>

#include "core/ids.hpp"

namespace minirtc::signal {

namespace json = boost::json;

namespace {

/// Cuts `s` to at most `max` bytes without splitting a UTF-8 sequence.
std::string cut_utf8(std::string_view s, std::size_t max) {
  if (s.size() <= max) return std::string(s);
  std::size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  return std::string(s.substr(0, end));
}

std::optional<std::int64_t> integer(const json::value& v) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) {
    if (v.get_uint64() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      return std::nullopt;
    return static_cast<std::int64_t>(v.get_uint64());
  }
  if (v.is_double()) {
    const double d = v.get_double();
    if (!std::isfinite(d) || d != std::floor(d) || std::fabs(d) > 9.0e15) return std::nullopt;
    return static_cast<std::int64_t>(d);
  }
  return std::nullopt;
}

/// One report entry, or nullopt when it is malformed.
std::optional<room::ClientReport> parse_entry(const json::value& entry,
                                              const ReportLimits& limits) {
  using Type = room::ClientReport::Type;
  const json::object* o = entry.if_object();
  if (o == nullptr) return std::nullopt;
  const json::value* type = o->if_contains("type");
  if (type == nullptr || !type->is_string()) return std::nullopt;
  room::ClientReport r;
  const json::string& t = type->get_string();
  if (t == "pusherState")
    r.type = Type::PusherState;
  else if (t == "pusherNet")
    r.type = Type::PusherNet;
  else if (t == "playerState")
    r.type = Type::PlayerState;
  else if (t == "playerNet")
    r.type = Type::PlayerNet;
  else
    return std::nullopt;

  if (const json::value* screen = o->if_contains("screen");
      screen != nullptr && !screen->is_null()) {
    if (!screen->is_bool()) return std::nullopt;
    r.screen = screen->get_bool();
  }
  if (const json::value* time = o->if_contains("time"); time != nullptr && !time->is_null()) {
    auto t_ms = integer(*time);
    if (!t_ms || *t_ms < 0) return std::nullopt;
    r.time_ms = static_cast<std::uint64_t>(*t_ms);
  }
  if (r.type == Type::PlayerState || r.type == Type::PlayerNet) {
    const json::value* uid = o->if_contains("uid");
    if (uid == nullptr || !uid->is_string() || uid->get_string().size() > 128) return std::nullopt;
    r.uid = std::string(uid->get_string());
  }
  if (r.type == Type::PusherState || r.type == Type::PlayerState) {
    const json::value* code = o->if_contains("code");
    if (code == nullptr) return std::nullopt;
    auto c = integer(*code);
    if (!c) return std::nullopt;
    r.code = *c;
    if (const json::value* msg = o->if_contains("message"); msg != nullptr && !msg->is_null()) {
      if (!msg->is_string()) return std::nullopt;
      const json::string& m = msg->get_string();
      r.message = cut_utf8(std::string_view(m.data(), m.size()), limits.max_message_bytes);
    }
  } else {
    const json::value* info = o->if_contains("info");
    if (info == nullptr || !info->is_object()) return std::nullopt;
    r.info_json = json::serialize(*info);
    if (r.info_json.size() > limits.max_info_bytes) return std::nullopt;
  }
  return r;
}

}  // namespace

Result<ReportBatch> parse_report_body(std::string_view body, const ReportLimits& limits) {
  if (body.size() > limits.max_body_bytes) return make_error("body too large");
  json::parse_options options;
  options.max_depth = limits.max_depth;
  boost::system::error_code ec;
  json::value doc = json::parse(json::string_view(body.data(), body.size()), ec, {}, options);
  if (ec) return make_error("body is not JSON");
  const json::object* o = doc.if_object();
  if (o == nullptr) return make_error("body must be an object");
  const json::value* token = o->if_contains("sessionToken");
  if (token == nullptr || !token->is_string() || token->get_string().empty() ||
      token->get_string().size() > 128)
    return make_error("sessionToken is required");
  const json::value* reports = o->if_contains("reports");
  if (reports == nullptr || !reports->is_array()) return make_error("reports must be an array");

  ReportBatch batch;
  batch.session_token = std::string(token->get_string());
  const json::value* app = o->if_contains("appId");
  const json::value* room = o->if_contains("roomId");
  if (app != nullptr || room != nullptr) {
    if (app == nullptr || room == nullptr || !app->is_string() || !room->is_string() ||
        !is_valid_app_id(app->get_string()) || !is_valid_id(room->get_string()))
      return make_error("appId and roomId must both be valid ids (or both absent)");
    batch.app_id = std::string(app->get_string());
    batch.room_id = std::string(room->get_string());
  }
  for (const json::value& entry : reports->get_array()) {
    if (batch.reports.size() >= limits.max_reports) {
      ++batch.skipped;
      continue;
    }
    if (auto r = parse_entry(entry, limits))
      batch.reports.push_back(std::move(*r));
    else
      ++batch.skipped;
  }
  return batch;
}

}  // namespace minirtc::signal
