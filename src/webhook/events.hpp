#pragma once
// The callback events MiniRTC sends (EventType) and an app's choice of them (`callback_events`).
// The names and each event's EventData are listed in docs/protocol.md ("Server callbacks").

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace minirtc::webhook {

enum class EventType : std::uint8_t {
  RoomCreated,
  RoomEnded,
  UserJoined,
  UserLeft,
  StreamStarted,
  StreamStopped,
  StreamFailed,
  MuteChanged,
  RecordingStarted,
  RecordingFinished,
};
inline constexpr std::array<std::string_view, 10> kEventNames{
    "RoomCreated",   "RoomEnded",    "UserJoined",  "UserLeft",         "StreamStarted",
    "StreamStopped", "StreamFailed", "MuteChanged", "RecordingStarted", "RecordingFinished"};

std::string_view event_name(EventType t) noexcept;
std::optional<EventType> parse_event_name(std::string_view name) noexcept;

/// Which events an app wants: a bit per EventType. Empty list in the config = all.
class EventFilter {
 public:
  static EventFilter all() noexcept { return EventFilter((1u << kEventNames.size()) - 1); }
  /// The names of `callback_events`; an unknown name is an error naming it. Empty: all.
  static Result<EventFilter> parse(const std::vector<std::string>& names);
  bool wants(EventType t) const noexcept { return bits_ & (1u << static_cast<unsigned>(t)); }
  bool operator==(const EventFilter&) const = default;

 private:
  explicit EventFilter(std::uint32_t bits) : bits_(bits) {}
  std::uint32_t bits_;
};

}  // namespace minirtc::webhook
