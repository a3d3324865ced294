#pragma once
// JSON for the admin API and metrics, rendered from RoomService's read-only views. Key names
// follow the wire protocol's style (camelCase, times as unix ms).
//
// rooms_json: {"appId":A,"rooms":[summary...]}
//   summary = {"roomId","createdMs","users","visibleUsers","invisibleUsers","publications",
//              "liveStreams","subscribedStreams","subscriptions"}
// room_json:  {"appId", summary fields..., "publishForbidden":[userId...], "members":[{
//     "userId","state":"connected"|"detached"|"mediaOnly","visible","businessId",
//     "sdk":{"name","version"},"joinedMs",
//     "publications":[{"screen","live","hasAudio","hasVideo","muteAudio","muteVideo","failed",
//                      "signalled","sinceMs"}],
//     "subscriptions":[{"userId","screen","format":"rtmp"|"flv","muteAudio","muteVideo"}],
//     "quality":{"pusher":[q...],"players":[q...]}}]}
//   q = {"uid","screen","state":{"code","message","timeMs"}|null,"net":{…client info…}|null,
//        "netTimeMs","failed"}
// counts_json: {"apps","rooms","members","connected","detached","mediaOnly","publications",
//               "liveStreams","subscriptions"}

#include <optional>
#include <string>
#include <string_view>

#include "room/room_service.hpp"
#include "room/views.hpp"

namespace minirtc::signal {

std::string rooms_json(const room::RoomService& rooms, std::string_view app_id);
/// nullopt: no such room (answer 404).
std::optional<std::string> room_json(const room::RoomService& rooms, std::string_view app_id,
                                     std::string_view room_id);
std::string counts_json(const room::Counts& counts);
/// {"error": reason}
std::string error_json(std::string_view reason);

}  // namespace minirtc::signal
