#pragma once
// The room layer's vocabulary: who asks (a SessionId), what a verified token allows (Grant), the
// SDK's error codes, and the limits and timers (Config). The room layer never sees a socket, a
// clock or a token: the caller verifies tokens and passes `now_ms` into every call.

#include <cstdint>
#include <string>
#include <string_view>

namespace minirtc::room {

/// One signalling connection (WebSocket), numbered by the server. A member of a room is bound to
/// at most one session at a time; `resume` moves a member to a new session.
using SessionId = std::uint64_t;

/// What a verified AccessToken allows, as absolute unix times in milliseconds (0 = never expires).
/// Built by the caller from auth's token check, so that room/ does not depend on auth/.
struct Grant {
  bool join = false;       // privilege 0 or 4 present
  bool publish = false;    // privilege 0 present
  bool subscribe = false;  // privilege 4 present
  std::uint64_t publish_expires_ms = 0;
  std::uint64_t subscribe_expires_ms = 0;
  std::uint64_t token_expires_ms = 0;

  bool can_publish(std::uint64_t now_ms) const noexcept {
    return publish && (publish_expires_ms == 0 || now_ms < publish_expires_ms);
  }
  bool can_subscribe(std::uint64_t now_ms) const noexcept {
    return subscribe && (subscribe_expires_ms == 0 || now_ms < subscribe_expires_ms);
  }
  bool token_valid(std::uint64_t now_ms) const noexcept {
    return token_expires_ms == 0 || now_ms < token_expires_ms;
  }
  bool operator==(const Grant&) const = default;
};

/// How a viewer plays a stream: `subscribe {format}` or the server default.
enum class PlayFormat : std::uint8_t { Rtmp, Flv };
std::string_view to_string(PlayFormat format) noexcept;  // "rtmp" / "flv"

/// The SDK's error codes (docs/protocol.md §4.1), sent as `error.code`.
enum class ErrorCode : int {
  InvalidParams = 100001,
  NotInRoom = 100002,
  AlreadyInRoom = 100003,
  AlreadyPublished = 100005,
  NotPublished = 100006,
  UidNotFound = 100007,
  StreamIdNotFound = 200001,
  SubscribeFailed = 300001,
  UnsubscribeFailed = 300002,
  MuteLocalError = 300003,
  MuteRemoteError = 300004,
  LeaveError = 300005,
  PublishError = 300006,
  UnpublishError = 300007,
  JoinRoomError = 300008,
  /// Admin operations and report lookups only (never sent over signalling): no such room,
  /// user or session. HTTP callers answer 404.
  NotFound = 404,
};

/// Limits and timers; defaults are the spec's. All durations in milliseconds.
struct Config {
  std::uint32_t ping_interval_ms = 10000;    // told to the client in the join reply
  std::uint32_t session_timeout_ms = 30000;  // a joined session silent this long is dropped
  std::uint32_t resume_window_ms = 20000;    // a dropped session may `resume` within this
  std::uint32_t publish_no_media_timeout_ms = 10000;  // publish without media → streamFailed
  std::uint32_t empty_room_delay_ms = 30000;          // an empty room is deleted after this
  std::uint32_t max_visible_users = 8;                // per room
  std::uint32_t max_invisible_users = 10000;          // per room
  std::uint32_t max_subscribed_streams = 8;  // distinct streams with a subscriber, per room
  std::uint32_t max_peer_online_on_join = 20;
  PlayFormat default_play_format = PlayFormat::Rtmp;
  std::uint32_t max_quality_entries = 32;  // player quality records kept per member
};

}  // namespace minirtc::room
