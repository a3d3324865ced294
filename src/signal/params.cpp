#include "signal/params.hpp"

#include <optional>

#include "core/ids.hpp"

namespace minirtc::signal {

namespace json = boost::json;

namespace {

const json::value* field(const json::object& params, std::string_view name) {
  const json::value* v = params.if_contains(json::string_view(name.data(), name.size()));
  return (v == nullptr || v->is_null()) ? nullptr : v;
}

Error bad(std::string_view name, std::string_view what) {
  return make_error(std::string(name) + " " + std::string(what));
}

/// Optional bool: nullopt when absent, an error when not a bool.
Result<std::optional<bool>> opt_bool(const json::object& params, std::string_view name) {
  const json::value* v = field(params, name);
  if (v == nullptr) return std::optional<bool>();
  if (!v->is_bool()) return bad(name, "must be a boolean");
  return std::optional<bool>(v->get_bool());
}

Result<std::optional<std::string>> opt_string(const json::object& params, std::string_view name,
                                              std::size_t max_chars) {
  const json::value* v = field(params, name);
  if (v == nullptr) return std::optional<std::string>();
  if (!v->is_string()) return bad(name, "must be a string");
  if (v->get_string().size() > max_chars) return bad(name, "is too long");
  return std::optional<std::string>(std::string(v->get_string()));
}

Result<std::string> required_id(const json::object& params, std::string_view name) {
  auto s = opt_string(params, name, 128);
  if (!s) return s.error();
  if (!s->has_value()) return bad(name, "is required");
  if (!is_valid_id(**s)) return bad(name, "must be 1-128 characters of [a-zA-Z0-9@_.-]");
  return std::move(**s);
}

Result<StreamKind> kind_of(const json::object& params) {
  auto screen = opt_bool(params, "screen");
  if (!screen) return screen.error();
  return screen->value_or(false) ? StreamKind::Screen : StreamKind::Main;
}

}  // namespace

Result<JoinParams> parse_join(const json::object& params) {
  JoinParams out;
  auto app = opt_string(params, "appId", 24);
  if (!app) return app.error();
  if (!app->has_value() || !is_valid_app_id(**app))
    return bad("appId", "must be 24 characters of [a-zA-Z0-9]");
  out.request.app_id = std::move(**app);
  auto token = opt_string(params, "token", kMaxTokenChars);
  if (!token) return token.error();
  if (!token->has_value() || (*token)->empty()) return bad("token", "is required");
  out.token = std::move(**token);
  auto room = required_id(params, "roomId");
  if (!room) return room.error();
  out.request.room_id = std::move(*room);
  auto user = required_id(params, "userId");
  if (!user) return user.error();
  out.request.user_id = std::move(*user);
  auto visible = opt_bool(params, "visible");
  if (!visible) return visible.error();
  out.request.visible = visible->value_or(true);
  auto business = opt_string(params, "businessId", 128);
  if (!business) return business.error();
  if (business->has_value() && !(*business)->empty() && !is_valid_id(**business))
    return bad("businessId", "must be 1-128 characters of [a-zA-Z0-9@_.-]");
  out.request.business_id = business->value_or("");
  if (const json::value* sdk = field(params, "sdk")) {
    if (!sdk->is_object()) return bad("sdk", "must be an object");
    auto name = opt_string(sdk->get_object(), "name", kMaxSdkFieldChars);
    if (!name) return make_error("sdk." + name.error().reason);
    auto version = opt_string(sdk->get_object(), "version", kMaxSdkFieldChars);
    if (!version) return make_error("sdk." + version.error().reason);
    out.request.sdk_name = name->value_or("");
    out.request.sdk_version = version->value_or("");
  }
  return out;
}

Result<StreamKind> parse_stream_kind(const json::object& params) {
  return kind_of(params);
}

Result<room::SubscribeRequest> parse_subscribe(const json::object& params) {
  room::SubscribeRequest out;
  auto user = required_id(params, "userId");
  if (!user) return user.error();
  out.user_id = std::move(*user);
  auto kind = kind_of(params);
  if (!kind) return kind.error();
  out.kind = *kind;
  auto audio = opt_bool(params, "audio");
  if (!audio) return audio.error();
  out.audio = audio->value_or(true);
  auto video = opt_bool(params, "video");
  if (!video) return video.error();
  out.video = video->value_or(true);
  auto format = opt_string(params, "format", 8);
  if (!format) return bad("format", "must be \"rtmp\" or \"flv\"");
  if (format->has_value()) {
    if (**format == "rtmp")
      out.format = room::PlayFormat::Rtmp;
    else if (**format == "flv")
      out.format = room::PlayFormat::Flv;
    else
      return bad("format", "must be \"rtmp\" or \"flv\"");
  }
  return out;
}

Result<std::pair<std::string, StreamKind>> parse_unsubscribe(const json::object& params) {
  auto user = required_id(params, "userId");
  if (!user) return user.error();
  auto kind = kind_of(params);
  if (!kind) return kind.error();
  return std::pair<std::string, StreamKind>(std::move(*user), *kind);
}

Result<room::MuteLocalRequest> parse_mute_local(const json::object& params) {
  room::MuteLocalRequest out;
  auto kind = kind_of(params);
  if (!kind) return kind.error();
  out.kind = *kind;
  auto audio = opt_bool(params, "audio");
  if (!audio) return audio.error();
  out.audio = *audio;
  auto video = opt_bool(params, "video");
  if (!video) return video.error();
  out.video = *video;
  return out;
}

Result<room::MuteRemoteRequest> parse_mute_remote(const json::object& params) {
  room::MuteRemoteRequest out;
  auto user = required_id(params, "userId");
  if (!user) return user.error();
  out.user_id = std::move(*user);
  auto kind = kind_of(params);
  if (!kind) return kind.error();
  out.kind = *kind;
  auto audio = opt_bool(params, "audio");
  if (!audio) return audio.error();
  out.audio = *audio;
  auto video = opt_bool(params, "video");
  if (!video) return video.error();
  out.video = *video;
  return out;
}

Result<bool> parse_visibility(const json::object& params) {
  auto visible = opt_bool(params, "visible");
  if (!visible) return visible.error();
  if (!visible->has_value()) return bad("visible", "is required");
  return **visible;
}

Result<std::string> parse_resume(const json::object& params) {
  auto token = opt_string(params, "sessionToken", kMaxSessionTokenChars);
  if (!token) return token.error();
  if (!token->has_value() || (*token)->empty()) return bad("sessionToken", "is required");
  return std::move(**token);
}

}  // namespace minirtc::signal
