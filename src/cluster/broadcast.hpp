#pragma once
// What one node tells every other node, on one pub/sub channel (keys::broadcast), each message
// signed like a node record (signing.hpp): the media decisions of a room's node that must also
// hold on the edge nodes serving its viewers (docs/cluster.md "Edges").
//   - revoke: a play (or publish) URL is no longer valid (unsubscribe, leave, kick, expiry):
//     every node refuses it from now on and closes the connections that use it;
//   - viewer mute: muteRemote of one viewer on one stream, applied where that viewer plays.
// The body is JSON with every field of its kind present and nothing else; decode refuses
// anything else with a reason. Pure: values in, values out.

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

using Broadcast = std::variant<RevokeMessage, ViewerMuteMessage>;

std::string encode_broadcast(const Broadcast& message);
Result<Broadcast> decode_broadcast(std::string_view body);

}  // namespace minirtc::cluster
