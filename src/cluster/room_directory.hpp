#pragma once
// The cluster's room directory: which node holds which room, with the room's counts, so that the
// admin API on any node lists every room of an app and sends a command about a room to the node
// that holds it (docs/cluster.md "Cluster-wide admin"). Each node keeps one hash in the store
// (keys::node_rooms): field "appId/roomId", value the room's summary as JSON (every field present
// and nothing else; decode refuses anything else with a reason). The hash expires with the
// node's record (a dead node's rooms leave the directory with it).
// Pure: values in, values out.

#include <string>
#include <string_view>
#include <utility>

#include "room/views.hpp"
#include "util/result.hpp"

namespace minirtc::cluster {

/// "appId/roomId" (ids never contain '/').
std::string room_field(std::string_view app_id, std::string_view room_id);
/// The ids of a field; an error for anything room_field does not make of valid ids.
Result<std::pair<std::string, std::string>> parse_room_field(std::string_view field);

std::string encode_room_entry(const room::RoomSummary& summary);
/// The summary (app_id and room_id left empty: they are the field's).
Result<room::RoomSummary> decode_room_entry(std::string_view text);

}  // namespace minirtc::cluster
