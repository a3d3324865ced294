// String names of room enums and the small Outcome helper.

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
}

}  // namespace minirtc::room
