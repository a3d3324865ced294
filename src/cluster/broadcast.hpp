#pragma once
// What one node tells every other node, on one pub/sub channel (keys::broadcast), each message
// signed like a node record (signing.hpp): the media decisions of a room's node that must also
// hold on the edge nodes serving its viewers (docs/cluster.md "Edges").
//   - revoke: a play (or publish) URL is no longer valid (unsubscribe, leave, kick, expiry):
//     every node refuses it from now on and closes the connections that use it;
//   - viewer mute: muteRemote of one viewer on one stream, applied where that viewer plays;
//   - report: a POST /v1/report body that reached a node which does not hold its session,
//     addressed to the node that holds the room (`to`); only that node applies it, exactly as if
//     it had been posted there (the session-token check included), every other node ignores it.
// Every message carries an id, "id": 32 lower-case hex characters (128 random bits, drawn by the
// sender for each message), under the signature like the rest of the body: a receiver remembers
// the ids it applied for as long as their signature's time is accepted (replay_guard.hpp) and
// drops a message it has seen, so a message captured off the channel cannot be applied again by
// publishing it again within the clock skew window.
// The body is JSON with every field of its kind present and nothing else; decode refuses
// anything else with a reason. Sizes are checked before anything is parsed: a whole signed
// message is at most kMaxBroadcastMessage bytes (verify_node_message's limit on this channel), a
// body at most kMaxBroadcastBody, a revoke or viewer mute at most 2 KiB, the forwarded report
// body at most kMaxForwardedReport (the report route's own limit, so every report a node would
// accept can be forwarded: its JSON escaping at most doubles it). Pure: values in, values out.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "core/ids.hpp"
#include "util/result.hpp"

namespace minirtc::cluster {

struct RevokeMessage {
  std::string nonce;
  std::uint32_t keep_until_s = 0;  // no URL with this nonce is valid after it (unix s)
  bool operator==(const RevokeMessage&) const = default;
};

struct ViewerMuteMessage {
  StreamId stream;
  std::string viewer;
  bool audio = false;  // true = muted
  bool video = false;
  bool operator==(const ViewerMuteMessage&) const = default;
};

struct ReportForwardMessage {
  std::string to;    // the node id that holds the room
  std::string body;  // the POST /v1/report body as the client sent it
  bool operator==(const ReportForwardMessage&) const = default;
};

/// The longest forwarded report body: the report route's limit (signal::ReportLimits).
inline constexpr std::size_t kMaxForwardedReport = 64 * 1024;
/// The longest broadcast body: a forwarded report whose every byte needs escaping, and its fields.
inline constexpr std::size_t kMaxBroadcastBody = 2 * kMaxForwardedReport + 1024;
/// The longest signed broadcast accepted from the channel (the envelope's fields added).
inline constexpr std::size_t kMaxBroadcastMessage = kMaxBroadcastBody + 256;
/// The longest revoke or viewer mute body.
inline constexpr std::size_t kMaxSmallBroadcast = 2048;

using Broadcast = std::variant<RevokeMessage, ViewerMuteMessage, ReportForwardMessage>;

/// A message id's length: 32 lower-case hex characters.
inline constexpr std::size_t kBroadcastIdLength = 32;
bool is_broadcast_id(std::string_view id) noexcept;

/// A message as read off the channel: its id and what it says.
struct DecodedBroadcast {
  std::string id;
  Broadcast message;
  bool operator==(const DecodedBroadcast&) const = default;
};

/// `id`: a fresh is_broadcast_id value for each message (the sender draws it).
std::string encode_broadcast(const Broadcast& message, std::string_view id);
Result<DecodedBroadcast> decode_broadcast(std::string_view body);

}  // namespace minirtc::cluster
