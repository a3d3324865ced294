#pragma once
// A member's resumable session, as kept in Redis (keys::session, found by token through
// keys::session_token): what another node needs to take the session over when its node is
// gone — the room, the user, the privileges and their expiries, what it publishes and what it
// plays. Media URLs are not kept: the new node signs new ones (UPDATE_URL).
//
// The codec is JSON with every field present and nothing else; decode refuses anything else with
// a reason (ids checked like a join's, at most 2 publications and 64 subscriptions).
// Pure: values in, values out.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.hpp"
#include "room/types.hpp"
#include "util/result.hpp"

namespace minirtc::cluster {

inline constexpr std::size_t kMaxRecordSubscriptions = 64;

struct SessionRecord {
  struct Subscription {
    std::string user_id;
    StreamKind kind = StreamKind::Main;
    bool mute_audio = false;
    bool mute_video = false;
    bool operator==(const Subscription&) const = default;
  };

  std::string app_id, room_id, user_id;
  std::string session_token;  // what the client resumes with
  std::string node_id;        // the node that holds it
  bool visible = true;
  room::Grant grant;  // join/publish/subscribe and their expiries (unix ms)
  std::vector<StreamKind> publications;
  std::vector<Subscription> subscriptions;
  std::uint64_t updated_at_ms = 0;

  bool operator==(const SessionRecord&) const = default;
};

std::string encode_session_record(const SessionRecord& record);
Result<SessionRecord> decode_session_record(std::string_view text);

}  // namespace minirtc::cluster
