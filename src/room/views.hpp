#pragma once
// Read-only snapshots of room state for the admin API and metrics (copies: safe to keep).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "room/types.hpp"

namespace minirtc::room {

/// Latest client report about one stream, from one member's point of view.
struct QualityView {
  std::string uid;  // whose stream (the member itself for pusher reports)
  bool screen = false;
  bool has_state = false;
  std::int64_t code = 0;
  std::string message;
  std::uint64_t state_time_ms = 0;  // server time of the last state report
  std::string net_info_json;        // "" = no net report yet
  std::uint64_t net_time_ms = 0;
  bool failed = false;  // a fatal state was reported
};

struct PublicationView {
  bool screen = false;
  bool live = false;  // media is arriving
  bool has_audio = false;
  bool has_video = false;
  bool mute_audio = false;
  bool mute_video = false;
  bool failed = false;     // streamFailed was sent (no media, or a fatal report)
  bool signalled = false;  // created by `publish` (false: pushed with a URL made elsewhere)
  std::uint64_t since_ms = 0;
};

struct SubscriptionView {
  std::string uid;  // whose stream
  bool screen = false;
  PlayFormat format = PlayFormat::Rtmp;
  bool mute_audio = false;
  bool mute_video = false;
};

enum class MemberState : std::uint8_t {
  Connected,  // bound to a live signalling session
  Detached,   // socket dropped, inside the resume window
  MediaOnly,  // never joined by signalling; exists because its stream is live
};
std::string_view to_string(MemberState state) noexcept;  // "connected" / "detached" / "mediaOnly"

struct MemberView {
  std::string user_id;
  MemberState state = MemberState::Connected;
  bool visible = true;
  std::string business_id;
  std::string sdk_name;
  std::string sdk_version;
  std::uint64_t joined_ms = 0;
  std::vector<PublicationView> publications;
  std::vector<SubscriptionView> subscriptions;
  std::vector<QualityView> pusher_quality;
  std::vector<QualityView> player_quality;
};

struct RoomSummary {
  std::string app_id;
  std::string room_id;
  std::uint64_t created_ms = 0;
  std::size_t users = 0;  // all members, incl. invisible, detached and media-only
  std::size_t visible_users = 0;
  std::size_t invisible_users = 0;
  std::size_t publications = 0;
  std::size_t live_streams = 0;
  std::size_t subscribed_streams = 0;  // distinct streams with at least one subscriber
  std::size_t subscriptions = 0;
};

struct RoomView {
  RoomSummary summary;
  std::vector<MemberView> members;  // in join order
  std::vector<std::string> publish_forbidden;
};

/// Totals over every app, for /metrics.
struct Counts {
  std::size_t apps = 0;  // apps with at least one room
  std::size_t rooms = 0;
  std::size_t members = 0;
  std::size_t connected = 0;
  std::size_t detached = 0;
  std::size_t media_only = 0;
  std::size_t publications = 0;
  std::size_t live_streams = 0;
  std::size_t subscriptions = 0;
};

}  // namespace minirtc::room
