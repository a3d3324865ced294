#pragma once
// Typed parameters of the room commands, already validated for types by the caller (signal/
// parses JSON into these); the room re-checks ids and answers INVALID_PARAMS for bad ones.

#include <cstdint>
#include <optional>
#include <string>

#include "core/ids.hpp"
#include "room/types.hpp"

namespace minirtc::room {

struct JoinRequest {
  std::string app_id;
  std::string room_id;
  std::string user_id;
  bool visible = true;
  std::string business_id;  // "" = none
  std::string sdk_name;
  std::string sdk_version;
};

struct SubscribeRequest {
  std::string user_id;  // whose stream
  StreamKind kind = StreamKind::Main;
  bool audio = true;  // false: subscribe with audio muted for this viewer
  bool video = true;
  std::optional<PlayFormat> format;  // nullopt: Config::default_play_format
};

/// muteLocal: unset fields keep their current value. true = muted (stop forwarding).
struct MuteLocalRequest {
  StreamKind kind = StreamKind::Main;
  std::optional<bool> audio;
  std::optional<bool> video;
};

/// muteRemote: unset fields keep their current value. true = stop sending to me.
struct MuteRemoteRequest {
  std::string user_id;
  StreamKind kind = StreamKind::Main;
  std::optional<bool> audio;
  std::optional<bool> video;
};

/// Where a pushed stream comes from (RoomService::media_started), for a user who is not in the
/// room yet (the pusher becomes a media-only member).
enum class PushOrigin : std::uint8_t {
  /// An encoder's push here, or another node's forward of a push it just received: the member is
  /// new (UserJoined).
  Direct,
  /// Another node's forward of a push whose media-only member was in this room on another node
  /// (a pin conflict's loser, a node that died or drained while forwarding to it; a signed flag
  /// of the forward URL, docs/protocol.md §2.7): the app server heard it join there, and that
  /// node did not announce it leaving. The member is restored, as RoomService::restore restores
  /// a moved session: its RoomCreated (a room new here), UserJoined and PublicationStarted carry
  /// `restored`; the room's members still hear peerOnline and streamAdded (it is new to them).
  MovedIn,
};

/// One client quality report (docs/protocol.md §5), `info` already serialised to JSON text.
struct ClientReport {
  enum class Type : std::uint8_t { PusherState, PusherNet, PlayerState, PlayerNet };
  Type type = Type::PusherState;
  std::string uid;  // player reports: whose stream is played
  bool screen = false;
  std::int64_t code = 0;
  std::string message;
  std::string info_json;
  std::uint64_t time_ms = 0;  // client's time, 0 = not given
};

/// Fatal `<live-pusher>` / `<live-player>` states: the stream is marked failed.
inline constexpr std::int64_t kPusherFatalCode = -1307;
inline constexpr std::int64_t kPlayerFatalCode = -2301;

}  // namespace minirtc::room
