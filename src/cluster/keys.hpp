#pragma once
// Every Redis key and channel the cluster uses, in one place (docs/cluster.md lists them with
// their TTLs). Keys of one room carry the hash tag `{appId/roomId}`, so on Redis Cluster they
// share a slot and a script may touch several of them. App ids ([a-zA-Z0-9]) and room ids
// ([a-zA-Z0-9@_.-]) never contain braces, so a tag cannot be broken by its content; node ids are
// checked by is_valid_node_id.
//
// Pure: strings in, strings out.

#include <string>
#include <string_view>

namespace minirtc::cluster::keys {

/// Prefix of every key and channel: several clusters may share one Redis by prefix only if
/// they are built that way; today the prefix is fixed.
inline constexpr std::string_view kPrefix = "minirtc:";

/// Set of node ids that have registered (members whose record expired are pruned by readers).
std::string node_index();
/// The node's record (cluster/node_record.hpp), signed; TTL Config::node_ttl_ms.
std::string node(std::string_view node_id);
/// The rooms the node holds (cluster/room_directory.hpp): a hash "appId/roomId" → summary, TTL
/// Config::node_ttl_ms like the record, refreshed with it.
std::string node_rooms(std::string_view node_id);
/// The fingerprint of the apps every node must share (cluster/signing.hpp); no TTL.
std::string apps_fingerprint();
/// Which node holds the room (cluster/pins.hpp), TTL Config::pin_ttl_ms, refreshed by the owner.
std::string room_pin(std::string_view app_id, std::string_view room_id);
/// The room's resumable sessions: a hash userId → signed session record
/// (cluster/session_record.hpp), TTL Config::session_ttl_ms, refreshed by the room's node.
std::string room_sessions(std::string_view app_id, std::string_view room_id);
/// Channel of signed messages to every node (cluster/broadcast.hpp).
std::string broadcast();
/// Channel of signed messages addressed to one node (cluster/signing.hpp).
std::string node_channel(std::string_view node_id);

/// The hash tag of a room's keys: "{appId/roomId}".
std::string room_tag(std::string_view app_id, std::string_view room_id);

}  // namespace minirtc::cluster::keys
