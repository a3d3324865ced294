#pragma once
// RoomService's internal state: apps → rooms → members → publications / subscriptions. Plain
// data; all rules live in room_service.cpp.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "core/ids.hpp"
#include "room/types.hpp"
#include "room/views.hpp"

namespace minirtc::room::model {

struct Publication {
  std::string nonce;  // "" when not created by `publish` (pushed with a URL made elsewhere)
  std::string url;
  bool live = false;
  bool has_audio = false;
  bool has_video = false;
  bool mute_audio = false;
  bool mute_video = false;
  std::uint64_t waiting_since_ms = 0;  // not live: since when (no-media timeout)
  bool failed = false;                 // streamFailed sent for the current wait / a fatal report
  std::uint64_t since_ms = 0;

  /// Others know the stream: live and not both tracks muted (then it is "removed").
  bool announced() const noexcept { return live && !(mute_audio && mute_video); }
};

/// Key of a stream inside a room: (userId, kind).
using StreamRef = std::pair<std::string, StreamKind>;

struct Subscription {
  std::string nonce;
  std::string url;
  PlayFormat format = PlayFormat::Rtmp;
  bool mute_audio = false;
  bool mute_video = false;
};

struct Quality {
  bool has_state = false;
  std::int64_t code = 0;
  std::string message;
  std::uint64_t state_time_ms = 0;
  std::string net_info_json;
  std::uint64_t net_time_ms = 0;
  bool failed = false;
};

struct Member {
  std::string user_id;
  std::uint64_t seq = 0;  // join order in the room
  bool visible = true;
  bool media_only = false;
  std::optional<SessionId> session;  // unset: detached (or media-only)
  std::string session_token;         // "" for media-only
  std::uint64_t joined_ms = 0;
  std::uint64_t last_seen_ms = 0;  // last request from its session
  std::uint64_t detached_ms = 0;
  Grant grant;
  std::string business_id, sdk_name, sdk_version;
  std::map<StreamKind, Publication> publications;
  std::map<StreamRef, Subscription> subscriptions;
  std::map<StreamKind, Quality> pusher_quality;
  std::map<StreamRef, Quality> player_quality;

  MemberState state() const noexcept {
    if (media_only) return MemberState::MediaOnly;
    return session ? MemberState::Connected : MemberState::Detached;
  }
};

struct Room {
  std::string app_id;
  std::string room_id;
  std::uint64_t created_ms = 0;
  std::uint64_t next_seq = 0;
  std::uint64_t next_event_seq = 1;  // room events (room/events.hpp)
  std::optional<std::uint64_t> empty_since_ms;
  std::map<std::string, Member, std::less<>> members;
  std::set<std::string> publish_forbidden;
};

/// Where a member lives.
struct MemberRef {
  std::string app_id;
  std::string room_id;
  std::string user_id;
  auto operator<=>(const MemberRef&) const = default;
};

}  // namespace minirtc::room::model
