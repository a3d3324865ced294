#pragma once
// What a room command produces: the reply to the caller, notifications addressed to sessions,
// sessions to close, effects on the media plane and events for observers. The caller applies them
// in this order: send the reply, send the notifications (in list order), close the sessions,
// apply the media effects, hand the events to the observers (room/events.hpp). Nothing here is
// JSON: signal/ renders it for the wire.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/ids.hpp"
#include "room/events.hpp"
#include "room/types.hpp"

namespace minirtc::room {

enum class NotificationKind : std::uint8_t {
  PeerOnline,     // {uid}
  PeerLeave,      // {uid}
  StreamAdded,    // {uid, screen, streamPublishState: {audio, video}}
  StreamRemoved,  // {uid, screen}
  UpdateUrl,      // {uid, screen, url}
  StreamFailed,   // {uid, screen, reason}
  MuteAudio,      // {uid, screen}
  UnmuteAudio,
  MuteVideo,
  UnmuteVideo,
  ClientBanned,  // {reason}; the session is closed right after
};
/// The JSON-RPC method name: "peerOnline", "streamAdded", ...
std::string_view method_name(NotificationKind kind) noexcept;

/// One room event for one session. Fields that the kind does not use stay empty.
struct Notification {
  NotificationKind kind = NotificationKind::PeerOnline;
  std::string uid;
  bool screen = false;
  bool audio = false;  // StreamAdded: streamPublishState.audio
  bool video = false;  // StreamAdded: streamPublishState.video
  std::string url;     // UpdateUrl
  std::string reason;  // StreamFailed, ClientBanned
  bool operator==(const Notification&) const = default;
};

struct AddressedNotification {
  SessionId to = 0;
  Notification notification;
};

/// Close this signalling connection (after sending what is queued for it).
struct SessionClose {
  SessionId session = 0;
  std::string reason;
  /// Close with 1001 (going away) rather than 1000: the SDK resumes the session, elsewhere
  /// (RoomService::hand_over: the room moved to another node).
  bool going_away = false;
};

// Media effects: what the media plane must do.

/// Refuse this URL from now on and close the connections that used it. `viewer` is empty for
/// a publish URL, else the viewer's userId (the `v` of the play URL).
struct RevokeUrl {
  std::string nonce;
  StreamId stream;
  std::string viewer;
};
/// muteLocal: stop/start forwarding this stream's audio/video to everyone (Hub::set_stream_mute).
struct SetStreamMute {
  StreamId stream;
  bool audio = false;  // true = muted
  bool video = false;
};
/// muteRemote (and subscribe with audio/video false): this viewer's own filter. Applies to the
/// play connection(s) of `viewer` on `stream` (the URL with `nonce`), also to one that attaches
/// later: the media plane remembers it until the URL is revoked.
struct SetViewerMute {
  StreamId stream;
  std::string viewer;
  std::string nonce;
  bool audio = false;  // true = muted
  bool video = false;
};
/// Close the publisher and every viewer of this stream (kick, forbid, expiry, media-only end).
struct CloseStream {
  StreamId stream;
  std::string reason;
};
using MediaEffect = std::variant<RevokeUrl, SetStreamMute, SetViewerMute, CloseStream>;

// Reply payloads.

struct RpcError {
  ErrorCode code = ErrorCode::InvalidParams;
  std::string message;
};
/// `join`: {sessionToken, roomId, userId, pingInterval, sessionTimeout, resumeWindow}.
struct JoinReply {
  std::string session_token;
  std::string room_id;
  std::string user_id;
  std::uint32_t ping_interval_ms = 0;
  std::uint32_t session_timeout_ms = 0;
  std::uint32_t resume_window_ms = 0;
};
/// `publish` / `subscribe`: {url}.
struct UrlReply {
  std::string url;
};
struct PublicationUrl {
  bool screen = false;
  std::string url;
};
struct SubscriptionUrl {
  std::string user_id;
  bool screen = false;
  std::string url;
};
/// `resume`: the join reply plus the session's publications and subscriptions.
struct ResumeReply {
  JoinReply join;
  std::vector<PublicationUrl> publications;
  std::vector<SubscriptionUrl> subscriptions;
};
/// Report ingestion: {accepted}.
struct ReportReply {
  std::size_t accepted = 0;
};
/// monostate: the empty result `{}`.
using ReplyData = std::variant<std::monostate, JoinReply, UrlReply, ResumeReply, ReportReply>;

struct Outcome {
  std::optional<RpcError> error;  // set: the reply is this error
  ReplyData result;               // the reply when no error
  std::vector<AddressedNotification> notifications;
  std::vector<SessionClose> closes;
  std::vector<MediaEffect> effects;
  std::vector<Event> events;  // for observers, in the order the state changed

  bool ok() const noexcept { return !error.has_value(); }
  static Outcome failure(ErrorCode code, std::string message) {
    Outcome out;
    out.error = RpcError{code, std::move(message)};
    return out;
  }
  /// Appends another outcome's notifications, closes, effects and events (not its reply).
  void absorb(Outcome&& other);
};

}  // namespace minirtc::room
