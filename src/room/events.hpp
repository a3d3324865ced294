#pragma once
// Room events: what happened in a room, for observers that are not in it (server callbacks, call
// records, the console feed, the cluster). Notifications tell the room's own members what they
// may see; events tell everything, including what members do not see (invisible users, the
// reason someone left). Nothing here is JSON: each observer renders what it needs.
//
// The room layer emits them in the Outcome of the command that changed the state, in the order
// the changes happened, each stamped with the command's `now_ms` and the room's sequence number.
//
// Order rules (what observers may rely on, checked by tests/unit/room/events_test.cpp):
//   - a room's events are numbered 1, 2, 3, ... from its RoomCreated to its RoomEnded; a room
//     created again later (same ids) starts at 1 again with a new RoomCreated (its
//     `room_created_ms` tells the two apart);
//   - RoomCreated comes before anything else of the room, RoomEnded after everything else;
//   - a member's UserJoined comes before its publications and subscriptions start, and its
//     UserLeft after they all ended;
//   - PublicationStarted (URL handed out, or media pushed with a URL made elsewhere) comes before
//     that stream's StreamStarted (media flows); StreamStopped before PublicationEnded;
//   - a user replaced by a new session of the same userId leaves (reason Replaced) and joins
//     again: two sessions, as the call records count them.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/ids.hpp"

namespace minirtc::room {

enum class EventKind : std::uint8_t {
  RoomCreated,          // first member (or pushed stream) of a room
  RoomEnded,            // empty for empty_room_delay_ms, or dismissed
  UserJoined,           // visible, media_only
  UserLeft,             // leave_reason, reason (text), visible
  VisibilityChanged,    // visible (setUserVisibility)
  PublicationStarted,   // user_id, stream
  PublicationEnded,     // user_id, stream, reason
  SubscriptionStarted,  // user_id (viewer), publisher, stream
  SubscriptionEnded,    // user_id (viewer), publisher, stream
  MuteChanged,    // user_id, stream, audio/video = the publisher's muteLocal state (true = off)
  StreamStarted,  // media flows: audio/video = the tracks it carries
  StreamStopped,  // media stopped: reason
  StreamFailed,   // reason (no media after publish, publisher lost, fatal pusher state, ...)
};
/// The name observers use: "room_created", "user_left", ... (snake_case of the kind).
std::string_view to_string(EventKind kind) noexcept;

/// Why a member left the room.
enum class LeaveReason : std::uint8_t {
  Left,           // `leave`
  TimedOut,       // socket lost or silent, and no `resume` within the resume window
  Kicked,         // admin kick, or publishing forbidden for a media-only member
  TokenExpired,   // its AccessToken expired while in the room
  Replaced,       // the same userId joined again on another session
  RoomDismissed,  // admin dismiss
  MediaEnded,     // a member present only by a pushed stream whose pusher did not come back
  Moved,          // its room was handed over to another node, where it resumes (cluster)
};
std::string_view to_string(LeaveReason reason) noexcept;  // "left", "timed_out", ...

struct Event {
  EventKind kind = EventKind::RoomCreated;
  std::string app_id;
  std::string room_id;
  std::uint64_t room_created_ms = 0;  // tells rooms of the same ids apart (see the order rules)
  std::uint64_t seq = 0;              // per room, from 1
  std::uint64_t time_ms = 0;          // the `now_ms` of the command that caused it
  std::string user_id;                // "" for RoomCreated / RoomEnded
  StreamKind stream = StreamKind::Main;
  std::string publisher;  // Subscription*: whose stream
  bool visible = true;    // UserJoined / UserLeft / VisibilityChanged
  bool media_only = false;
  /// RoomCreated / UserJoined / PublicationStarted / SubscriptionStarted of a room taken over
  /// from a node that is gone (RoomService::restore): the state existed before, on that node;
  /// observers that told the outside world about it then (callbacks) skip these.
  bool restored = false;
  /// The ending events (SubscriptionEnded, StreamStopped, PublicationEnded, UserLeft with
  /// LeaveReason::Moved, RoomEnded) of a room this node handed over to the node that won a pin
  /// conflict (RoomService::hand_over): the members go on there; observers that tell the outside
  /// world (callbacks) skip these, call records end the sessions here.
  bool moved = false;
  LeaveReason leave_reason = LeaveReason::Left;  // UserLeft
  std::string reason;                            // free text, when the kind has one
  bool audio = false;                            // MuteChanged: muted; StreamStarted: present
  bool video = false;

  bool operator==(const Event&) const = default;
};

}  // namespace minirtc::room
