#include "signal/dispatcher.hpp"

#include "signal/params.hpp"

namespace minirtc::signal {

namespace json = boost::json;
using room::ErrorCode;
using room::Outcome;

namespace {

std::string error_body(std::string_view reason) {
  json::object o;
  o["error"] = json::string_view(reason.data(), reason.size());
  return json::serialize(o);
}

Outcome invalid(const Error& error) {
  return Outcome::failure(ErrorCode::InvalidParams, error.reason);
}

}  // namespace

SignalDispatcher::SignalDispatcher(room::RoomService& rooms, TokenChecker check_token,
                                   DispatcherConfig config)
    : rooms_(rooms), check_token_(std::move(check_token)), config_(config) {}

SignalDispatcher::Session& SignalDispatcher::session(room::SessionId id, std::uint64_t now_ms) {
  auto it = sessions_.find(id);
  if (it == sessions_.end())
    it = sessions_
             .emplace(id,
                      Session{RateLimiter(config_.max_requests_per_second, now_ms), now_ms, false})
             .first;
  return it->second;
}

void SignalDispatcher::on_open(room::SessionId id, std::uint64_t now_ms) {
  (void)session(id, now_ms);
}

DispatchResult SignalDispatcher::on_text(room::SessionId id, std::string_view frame,
                                         std::uint64_t now_ms) {
  DispatchResult result;
  Session& s = session(id, now_ms);
  if (s.closing) return result;  // we asked for this socket to close; late frames are dropped
  s.last_activity_ms = now_ms;
  rooms_.touch(id, now_ms);

  auto parsed = parse_request(frame, config_.frame);
  const json::value& request_id = std::holds_alternative<Request>(parsed)
                                      ? std::get<Request>(parsed).id
                                      : std::get<FrameError>(parsed).id;
  if (!s.limiter.take(now_ms)) {
    result.reply = render_error(request_id, kRateLimited, "rate limited");
    return result;
  }
  if (const auto* error = std::get_if<FrameError>(&parsed)) {
    result.reply = render_error(error->id, error->code, error->message);
    return result;
  }
  const Request& request = std::get<Request>(parsed);
  if (request.method == "ping") {
    json::object time;
    time["time"] = now_ms;
    result.reply = render_result(request.id, std::move(time));
    return result;
  }
  bool found = true;
  Outcome outcome = call(id, request, now_ms, found);
  if (!found)
    result.reply = render_error(request.id, kMethodNotFound, "method not found");
  else if (outcome.error)
    result.reply =
        render_error(request.id, static_cast<int>(outcome.error->code), outcome.error->message);
  else
    result.reply = render_result(request.id, reply_json(outcome.result, config_.report_url));
  finish(std::move(outcome), result);
  return result;
}

Outcome SignalDispatcher::call(room::SessionId id, const Request& request, std::uint64_t now_ms,
                               bool& method_found) {
  const std::string& method = request.method;
  const json::object& params = request.params;
  if (method == "join") {
    if (rooms_.is_joined(id))
      return Outcome::failure(ErrorCode::AlreadyInRoom, "already in a room");
    auto p = parse_join(params);
    if (!p) return invalid(p.error());
    if (!check_token_) return Outcome::failure(ErrorCode::JoinRoomError, "no token checker");
    auto grant =
        check_token_(p->request.app_id, p->token, p->request.room_id, p->request.user_id, now_ms);
    if (!grant) return Outcome::failure(ErrorCode::JoinRoomError, grant.error().reason);
    return rooms_.join(id, p->request, *grant, now_ms);
  }
  if (method == "resume") {
    if (rooms_.is_joined(id))
      return Outcome::failure(ErrorCode::AlreadyInRoom, "already in a room");
    auto token = parse_resume(params);
    if (!token) return invalid(token.error());
    return rooms_.resume(id, *token, now_ms);
  }
  static constexpr std::string_view kRoomMethods[] = {"leave",      "publish",          "unpublish",
                                                      "subscribe",  "unsubscribe",      "muteLocal",
                                                      "muteRemote", "setUserVisibility"};
  bool known = false;
  for (std::string_view m : kRoomMethods) known = known || m == method;
  if (!known) {
    method_found = false;
    return Outcome{};
  }
  if (!rooms_.is_joined(id)) return Outcome::failure(ErrorCode::NotInRoom, "not in a room");

  if (method == "leave") return rooms_.leave(id, now_ms);
  if (method == "publish" || method == "unpublish") {
    auto kind = parse_stream_kind(params);
    if (!kind) return invalid(kind.error());
    return method == "publish" ? rooms_.publish(id, *kind, now_ms)
                               : rooms_.unpublish(id, *kind, now_ms);
  }
  if (method == "subscribe") {
    auto p = parse_subscribe(params);
    if (!p) return invalid(p.error());
    return rooms_.subscribe(id, *p, now_ms);
  }
  if (method == "unsubscribe") {
    auto p = parse_unsubscribe(params);
    if (!p) return invalid(p.error());
    return rooms_.unsubscribe(id, p->first, p->second, now_ms);
  }
  if (method == "muteLocal") {
    auto p = parse_mute_local(params);
    if (!p) return invalid(p.error());
    return rooms_.mute_local(id, *p, now_ms);
  }
  if (method == "muteRemote") {
    auto p = parse_mute_remote(params);
    if (!p) return invalid(p.error());
    return rooms_.mute_remote(id, *p, now_ms);
  }
  auto visible = parse_visibility(params);  // setUserVisibility
  if (!visible) return invalid(visible.error());
  return rooms_.set_visibility(id, *visible, now_ms);
}

void SignalDispatcher::finish(Outcome&& outcome, DispatchResult& result) {
  for (auto& n : outcome.notifications)
    result.messages.push_back({n.to, render_notification(n.notification)});
  for (auto& close : outcome.closes) {
    if (auto it = sessions_.find(close.session); it != sessions_.end()) it->second.closing = true;
    result.closes.push_back(std::move(close));
  }
  for (auto& effect : outcome.effects) result.effects.push_back(std::move(effect));
  for (auto& event : outcome.events) result.events.push_back(std::move(event));
}

DispatchResult SignalDispatcher::render(Outcome&& outcome) {
  DispatchResult result;
  finish(std::move(outcome), result);
  return result;
}

DispatchResult SignalDispatcher::on_socket_closed(room::SessionId id, std::uint64_t now_ms) {
  sessions_.erase(id);
  return render(rooms_.socket_closed(id, now_ms));
}

DispatchResult SignalDispatcher::tick(std::uint64_t now_ms) {
  DispatchResult result = render(rooms_.tick(now_ms));
  for (auto& [id, s] : sessions_) {
    if (s.closing || rooms_.is_joined(id)) continue;
    if (now_ms > s.last_activity_ms && now_ms - s.last_activity_ms >= config_.idle_timeout_ms) {
      s.closing = true;
      result.closes.push_back({id, "idle timeout"});
    }
  }
  return result;
}

DispatchResult SignalDispatcher::on_media_started(const StreamId& stream, bool has_audio,
                                                  bool has_video, std::uint64_t now_ms,
                                                  room::PushOrigin origin) {
  return render(rooms_.media_started(stream, has_audio, has_video, now_ms, origin));
}

DispatchResult SignalDispatcher::on_media_stopped(const StreamId& stream, std::uint64_t now_ms,
                                                  std::string_view reason, bool failed) {
  return render(rooms_.media_stopped(stream, now_ms, reason, failed));
}

HttpReply SignalDispatcher::on_report(std::string_view body, std::uint64_t now_ms) {
  HttpReply reply;
  auto batch = parse_report_body(body, config_.report);
  if (!batch) {
    reply.status = 400;
    reply.body = error_body(batch.error().reason);
    return reply;
  }
  Outcome outcome = rooms_.report(batch->session_token, batch->reports, now_ms);
  if (outcome.error) {
    reply.status = 404;
    reply.body = error_body("unknown session");
    reply.app_id = std::move(batch->app_id);
    reply.room_id = std::move(batch->room_id);
    return reply;
  }
  json::object accepted;
  accepted["accepted"] = std::get<room::ReportReply>(outcome.result).accepted;
  reply.body = json::serialize(accepted);
  finish(std::move(outcome), reply.dispatch);
  return reply;
}

}  // namespace minirtc::signal
