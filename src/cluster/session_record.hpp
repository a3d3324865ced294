#pragma once
// A room's resumable sessions, as kept in the store: one hash per room (keys::room_sessions),
// field = userId, value = the member's record signed by the node that holds it
// (signing.hpp). When that node is gone, the node the room moves to reads the hash and restores
// every member (room::RoomService::restore) so each client resumes there as after a dropped
// socket. Media URLs are not kept: the new node signs new ones (the client hears UPDATE_URL).
//
// The codec is JSON with every field present and nothing else; decode refuses anything else with
// a reason (ids checked like a join's, at most 2 publications and 64 subscriptions).
// Pure: values in, values out.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/ids.hpp"
#include "room/resumable.hpp"
#include "util/result.hpp"

namespace minirtc::cluster {

inline constexpr std::size_t kMaxRecordSubscriptions = 64;

struct SessionRecord {
  std::string app_id, room_id;
  std::string node_id;  // the node that holds it
  room::ResumableMember member;
  std::uint64_t updated_at_ms = 0;

  bool operator==(const SessionRecord&) const = default;
};

std::string encode_session_record(const SessionRecord& record);
Result<SessionRecord> decode_session_record(std::string_view text);

}  // namespace minirtc::cluster
