// String names of room enums (notifications, events) and the small Outcome helper.

#include "room/outcome.hpp"
#include "room/types.hpp"
#include "room/views.hpp"

namespace minirtc::room {

std::string_view to_string(PlayFormat format) noexcept {
  return format == PlayFormat::Flv ? "flv" : "rtmp";
}

std::string_view to_string(MemberState state) noexcept {
  switch (state) {
    case MemberState::Connected:
      return "connected";
    case MemberState::Detached:
      return "detached";
    case MemberState::MediaOnly:
      return "mediaOnly";
  }
  return "connected";
}

std::string_view method_name(NotificationKind kind) noexcept {
  switch (kind) {
    case NotificationKind::PeerOnline:
      return "peerOnline";
    case NotificationKind::PeerLeave:
      return "peerLeave";
    case NotificationKind::StreamAdded:
      return "streamAdded";
    case NotificationKind::StreamRemoved:
      return "streamRemoved";
    case NotificationKind::UpdateUrl:
      return "updateUrl";
    case NotificationKind::StreamFailed:
      return "streamFailed";
    case NotificationKind::MuteAudio:
      return "muteAudio";
    case NotificationKind::UnmuteAudio:
      return "unmuteAudio";
    case NotificationKind::MuteVideo:
      return "muteVideo";
    case NotificationKind::UnmuteVideo:
      return "unmuteVideo";
    case NotificationKind::ClientBanned:
      return "clientBanned";
  }
  return "peerOnline";
}

void Outcome::absorb(Outcome&& other) {
  for (auto& n : other.notifications) notifications.push_back(std::move(n));
  for (auto& c : other.closes) closes.push_back(std::move(c));
  for (auto& e : other.effects) effects.push_back(std::move(e));
  for (auto& e : other.events) events.push_back(std::move(e));
}

std::string_view to_string(EventKind kind) noexcept {
  switch (kind) {
    case EventKind::RoomCreated:
      return "room_created";
    case EventKind::RoomEnded:
      return "room_ended";
    case EventKind::UserJoined:
      return "user_joined";
    case EventKind::UserLeft:
      return "user_left";
    case EventKind::VisibilityChanged:
      return "visibility_changed";
    case EventKind::PublicationStarted:
      return "publication_started";
    case EventKind::PublicationEnded:
      return "publication_ended";
    case EventKind::SubscriptionStarted:
      return "subscription_started";
    case EventKind::SubscriptionEnded:
      return "subscription_ended";
    case EventKind::MuteChanged:
      return "mute_changed";
    case EventKind::StreamStarted:
      return "stream_started";
    case EventKind::StreamStopped:
      return "stream_stopped";
    case EventKind::StreamFailed:
      return "stream_failed";
  }
  return "room_created";
}

std::string_view to_string(LeaveReason reason) noexcept {
  switch (reason) {
    case LeaveReason::Left:
      return "left";
    case LeaveReason::TimedOut:
      return "timed_out";
    case LeaveReason::Kicked:
      return "kicked";
    case LeaveReason::TokenExpired:
      return "token_expired";
    case LeaveReason::Replaced:
      return "replaced";
    case LeaveReason::RoomDismissed:
      return "room_dismissed";
    case LeaveReason::MediaEnded:
      return "media_ended";
    case LeaveReason::Moved:
      return "moved";
  }
  return "left";
}

}  // namespace minirtc::room
