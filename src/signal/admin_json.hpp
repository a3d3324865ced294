#pragma once
// JSON for the admin API and metrics, rendered from RoomService's read-only views. Key names
// follow the wire protocol's style (camelCase, times as unix ms).
//
// rooms_json: {"appId":A,"rooms":[summary... (+ "node" in cluster mode)]}
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

#include <span>
#include <string>
#include <string_view>

#include "room/views.hpp"

namespace minirtc::signal {

/// `rooms`: RoomService::list_rooms(app_id).
/// `nodes` (cluster mode): the id of the node holding each room, added as "node".
std::string rooms_json(std::string_view app_id, std::span<const room::RoomSummary> rooms,
                       std::span<const std::string> nodes = {});
/// `view`: RoomService::room(app_id, room_id).
std::string room_json(const room::RoomView& view);
std::string counts_json(const room::Counts& counts);
/// {"error": reason}
std::string error_json(std::string_view reason);

}  // namespace minirtc::signal
