#include "signal/jsonrpc.hpp"

namespace minirtc::signal {

namespace json = boost::json;

namespace {

bool valid_id(const json::value& id) noexcept {
  return id.is_int64() || id.is_uint64() || id.is_double() || id.is_string();
}

json::object join_json(const room::JoinReply& r) {
  json::object o;
  o["sessionToken"] = r.session_token;
  o["roomId"] = r.room_id;
  o["userId"] = r.user_id;
  o["pingInterval"] = r.ping_interval_ms;
  o["sessionTimeout"] = r.session_timeout_ms;
  o["resumeWindow"] = r.resume_window_ms;
  return o;
}

}  // namespace

std::variant<Request, FrameError> parse_request(std::string_view frame, const FrameLimits& limits) {
  if (frame.size() > limits.max_bytes)
    return FrameError{kInvalidRequest, "frame too large", nullptr};
  json::parse_options options;
  options.max_depth = limits.max_depth;
  boost::system::error_code ec;
  json::value doc = json::parse(json::string_view(frame.data(), frame.size()), ec, {}, options);
  if (ec) return FrameError{kParseError, "parse error", nullptr};

  const json::object* obj = doc.if_object();
  if (obj == nullptr) return FrameError{kInvalidRequest, "request must be an object", nullptr};
  // Read the id first so that every later error can echo it.
  json::value id = nullptr;
  if (const json::value* v = obj->if_contains("id"); v != nullptr && valid_id(*v)) id = *v;

  const json::value* version = obj->if_contains("jsonrpc");
  if (version == nullptr || !version->is_string() || version->get_string() != "2.0")
    return FrameError{kInvalidRequest, "jsonrpc must be \"2.0\"", id};
  if (id.is_null()) return FrameError{kInvalidRequest, "id must be a number or a string", nullptr};
  const json::value* method = obj->if_contains("method");
  if (method == nullptr || !method->is_string())
    return FrameError{kInvalidRequest, "method must be a string", id};
  Request request;
  request.id = std::move(id);
  request.method = std::string(method->get_string());
  if (const json::value* params = obj->if_contains("params"); params != nullptr) {
    if (!params->is_object())
      return FrameError{kInvalidRequest, "params must be an object", request.id};
    request.params = params->get_object();
  }
  return request;
}

std::string render_result(const json::value& id, json::value result) {
  json::object o;
  o["jsonrpc"] = "2.0";
  o["id"] = id;
  o["result"] = std::move(result);
  return json::serialize(o);
}

std::string render_error(const json::value& id, int code, std::string_view message) {
  json::object error;
  error["code"] = code;
  error["message"] = json::string_view(message.data(), message.size());
  json::object o;
  o["jsonrpc"] = "2.0";
  o["id"] = id;
  o["error"] = std::move(error);
  return json::serialize(o);
}

std::string render_notification(const room::Notification& n) {
  using K = room::NotificationKind;
  json::object params;
  switch (n.kind) {
    case K::PeerOnline:
    case K::PeerLeave:
      params["uid"] = n.uid;
      break;
    case K::StreamAdded: {
      params["uid"] = n.uid;
      params["screen"] = n.screen;
      json::object state;
      state["audio"] = n.audio;
      state["video"] = n.video;
      params["streamPublishState"] = std::move(state);
      break;
    }
    case K::UpdateUrl:
      params["uid"] = n.uid;
      params["screen"] = n.screen;
      params["url"] = n.url;
      break;
    case K::StreamFailed:
      params["uid"] = n.uid;
      params["screen"] = n.screen;
      params["reason"] = n.reason;
      break;
    case K::ClientBanned:
      params["reason"] = n.reason;
      break;
    case K::StreamRemoved:
    case K::MuteAudio:
    case K::UnmuteAudio:
    case K::MuteVideo:
    case K::UnmuteVideo:
      params["uid"] = n.uid;
      params["screen"] = n.screen;
      break;
  }
  json::object o;
  o["jsonrpc"] = "2.0";
  const std::string_view method = room::method_name(n.kind);
  o["method"] = json::string_view(method.data(), method.size());
  o["params"] = std::move(params);
  return json::serialize(o);
}

json::value reply_json(const room::ReplyData& data, std::string_view report_url) {
  if (const auto* join = std::get_if<room::JoinReply>(&data)) {
    json::object o = join_json(*join);
    if (!report_url.empty()) o["reportUrl"] = report_url;
    return o;
  }
  if (const auto* url = std::get_if<room::UrlReply>(&data)) {
    json::object o;
    o["url"] = url->url;
    return o;
  }
  if (const auto* resume = std::get_if<room::ResumeReply>(&data)) {
    json::object o = join_json(resume->join);
    json::array pubs;
    for (const auto& p : resume->publications) {
      json::object e;
      e["screen"] = p.screen;
      e["url"] = p.url;
      pubs.push_back(std::move(e));
    }
    json::array subs;
    for (const auto& s : resume->subscriptions) {
      json::object e;
      e["userId"] = s.user_id;
      e["screen"] = s.screen;
      e["url"] = s.url;
      subs.push_back(std::move(e));
    }
    o["publications"] = std::move(pubs);
    o["subscriptions"] = std::move(subs);
    if (!report_url.empty()) o["reportUrl"] = report_url;
    return o;
  }
  if (const auto* report = std::get_if<room::ReportReply>(&data)) {
    json::object o;
    o["accepted"] = report->accepted;
    return o;
  }
  return json::object{};
}

}  // namespace minirtc::signal
