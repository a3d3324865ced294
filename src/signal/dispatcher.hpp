#pragma once
// Signalling sessions: JSON-RPC text frames in, texts to send out, sessions to close and media
// effects to apply. The server's WebSocket code only feeds frames and applies results:
//
//   DispatchResult r = dispatcher.on_text(session, frame, now_ms);
//   if (r.reply) send(session, *r.reply);                 // 1. the reply to the sender
//   for (auto& m : r.messages) send(m.to, m.text);         // 2. notifications, in order
//   for (auto& c : r.closes) close_after_sending(c.session, c.reason);   // 3.
//   for (auto& e : r.effects) apply_to_media_plane(e);     // 4. revoke URLs, mutes, closes
//   observers.publish(r.events);                          // 5. room events (room/events.hpp)
//
// Call on_socket_closed when a WebSocket ends (for any reason, also after a close we asked for),
// tick about twice a second, and forward the media hub's live/ended events. Not thread-safe:
// one strand drives the dispatcher and its RoomService.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.hpp"
#include "room/room_service.hpp"
#include "signal/jsonrpc.hpp"
#include "signal/rate_limiter.hpp"
#include "signal/report_json.hpp"
#include "util/result.hpp"

namespace minirtc::signal {

/// Verifies an AccessToken for a join (auth::check_token in the server). An error's reason is
/// sent to the client as the JOIN_ROOM_ERROR message ("token expired", "bad signature", ...).
using TokenChecker = std::function<Result<room::Grant>(
    std::string_view app_id, std::string_view token, std::string_view room_id,
    std::string_view user_id, std::uint64_t now_ms)>;

struct DispatcherConfig {
  FrameLimits frame;
  std::uint32_t max_requests_per_second = 50;
  /// A session that has not joined and sends nothing for this long is closed.
  std::uint32_t idle_timeout_ms = 30000;
  ReportLimits report;
  /// This node's POST /v1/report URL, sent in join and resume results ("" leaves it out).
  std::string report_url;
};

struct OutgoingText {
  room::SessionId to = 0;
  std::string text;
};

struct DispatchResult {
  std::optional<std::string> reply;    // to the session that sent the frame
  std::vector<OutgoingText> messages;  // notifications (JSON-RPC text) to any session
  std::vector<room::SessionClose> closes;
  std::vector<room::MediaEffect> effects;
  std::vector<room::Event> events;  // for observers (callbacks, call records, ...)
};

/// POST /v1/report: status 200 {"accepted": n}, 400 {"error": reason}, 404 {"error": "unknown
/// session"}; plus the notifications it causes (streamFailed to the reporter's socket).
struct HttpReply {
  int status = 200;
  std::string body;  // JSON
  DispatchResult dispatch;
  /// 404: the room the body names (appId, roomId), empty when it names none; a cluster node
  /// forwards the report to the node that holds that room (api/client_routes.cpp).
  std::string app_id, room_id;
};

class SignalDispatcher {
 public:
  /// `rooms` must outlive the dispatcher.
  SignalDispatcher(room::RoomService& rooms, TokenChecker check_token,
                   DispatcherConfig config = {});

  /// New limits (configuration reload): sessions opened from now on get the new rate limit.
  void set_config(DispatcherConfig config) { config_ = std::move(config); }
  /// A WebSocket was accepted (optional: the first frame also registers the session).
  void on_open(room::SessionId session, std::uint64_t now_ms);
  /// One text frame from a session.
  DispatchResult on_text(room::SessionId session, std::string_view frame, std::uint64_t now_ms);
  /// The WebSocket ended: a joined member is detached for the resume window.
  DispatchResult on_socket_closed(room::SessionId session, std::uint64_t now_ms);
  /// Timers of the room plus closing idle sessions that never joined.
  DispatchResult tick(std::uint64_t now_ms);

  /// Media hub events (Hub::on_live / Hub::on_ended).
  DispatchResult on_media_started(const StreamId& stream, bool has_audio, bool has_video,
                                  std::uint64_t now_ms,
                                  room::PushOrigin origin = room::PushOrigin::Direct);
  DispatchResult on_media_stopped(const StreamId& stream, std::uint64_t now_ms,
                                  std::string_view reason = "publisher stopped",
                                  bool failed = false);

  /// POST /v1/report body (docs/protocol.md §5).
  HttpReply on_report(std::string_view body, std::uint64_t now_ms);

  /// Renders an Outcome of a direct RoomService call (admin kick/dismiss/forbid): its
  /// notifications become texts; the reply part is left to the caller.
  DispatchResult render(room::Outcome&& outcome);

  room::RoomService& rooms() noexcept { return rooms_; }
  std::size_t session_count() const noexcept { return sessions_.size(); }

 private:
  struct Session {
    RateLimiter limiter;
    std::uint64_t last_activity_ms = 0;
    bool closing = false;  // a close was requested: further frames are ignored
  };
  Session& session(room::SessionId id, std::uint64_t now_ms);
  room::Outcome call(room::SessionId id, const Request& request, std::uint64_t now_ms,
                     bool& method_found);
  void finish(room::Outcome&& outcome, DispatchResult& result);

  room::RoomService& rooms_;
  TokenChecker check_token_;
  DispatcherConfig config_;
  std::map<room::SessionId, Session> sessions_;
};

}  // namespace minirtc::signal
