#pragma once
// What nodes trust each other by: the cluster secret ([cluster] secret in every node's config).
//
// Node messages (registry records, messages on a node's channel) are signed envelopes
//   "v1.<from>.<sentMs>.<sig>.<body>"
// where sig is the lower-case hex HMAC-SHA256(secret, "minirtc-node-v1\n" from "\n" sentMs "\n"
// body). verify_node_message refuses a wrong signature (constant time), a sender id that is not
// a node id, and a message more than `max_age_ms` away from `now` either way (a replay of an old
// record or message; clocks of the nodes are assumed within that of each other).
//
// The app-list fingerprint: every node must serve the same apps with the same keys (a token
// signed for one node must work on all). Each node computes app_fingerprint of its list; the
// first node writes it to Redis (set-if-absent), every later one compares. The fingerprint is an
// HMAC under the cluster secret of the sorted "id:key" lines, so it reveals nothing of the keys
// and a node with another secret is refused the same way.
//
// Pure: values in, values out (OpenSSL's HMAC).

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/result.hpp"

namespace minirtc::cluster {

/// Longest envelope accepted (registry records, session records).
inline constexpr std::size_t kMaxNodeMessage = 64 * 1024;

struct NodeMessage {
  std::string from;
  std::uint64_t sent_ms = 0;
  std::string body;
};

std::string sign_node_message(std::string_view secret, std::string_view from, std::uint64_t sent_ms,
                              std::string_view body);
/// `max_bytes`: the longest `text` accepted, checked before anything else (the broadcast channel
/// passes its own, broadcast.hpp's kMaxBroadcastMessage).
Result<NodeMessage> verify_node_message(std::string_view secret, std::string_view text,
                                        std::uint64_t now_ms, std::uint64_t max_age_ms,
                                        std::size_t max_bytes = kMaxNodeMessage);

/// (appId, appKey) pairs in any order → 64 hex characters.
std::string app_fingerprint(std::string_view secret,
                            std::vector<std::pair<std::string, std::string>> apps);

}  // namespace minirtc::cluster
