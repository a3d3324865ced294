#pragma once
// Typed parameters of the signalling methods (docs/protocol.md §4.2), read from a JSON-RPC
// `params` object. Wrong types, missing required fields and ids with bad characters are
// INVALID_PARAMS (100001) with a message naming the field. Unknown fields are ignored; `null`
// counts as absent for optional fields.

#include <boost/json.hpp>
#include <string>

#include "room/requests.hpp"
#include "util/result.hpp"

namespace minirtc::signal {

struct JoinParams {
  room::JoinRequest request;
  std::string token;
};

inline constexpr std::size_t kMaxTokenChars = 4096;
inline constexpr std::size_t kMaxSessionTokenChars = 128;
inline constexpr std::size_t kMaxSdkFieldChars = 64;

Result<JoinParams> parse_join(const boost::json::object& params);
/// publish / unpublish: {screen?: false}
Result<StreamKind> parse_stream_kind(const boost::json::object& params);
Result<room::SubscribeRequest> parse_subscribe(const boost::json::object& params);
/// unsubscribe: {userId, screen?}
Result<std::pair<std::string, StreamKind>> parse_unsubscribe(const boost::json::object& params);
Result<room::MuteLocalRequest> parse_mute_local(const boost::json::object& params);
Result<room::MuteRemoteRequest> parse_mute_remote(const boost::json::object& params);
/// setUserVisibility: {visible} (required)
Result<bool> parse_visibility(const boost::json::object& params);
/// resume: {sessionToken}
Result<std::string> parse_resume(const boost::json::object& params);

}  // namespace minirtc::signal
