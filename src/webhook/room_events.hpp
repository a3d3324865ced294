#pragma once
// Which room events (room/events.hpp) become callbacks, and their EventData. A room's callbacks
// carry its event sequence number (`seq`, from 1 at RoomCreated) and creation time, so a receiver
// can check the order and tell apart two rooms of the same id. Publication and subscription
// events and visibility changes are not sent (the call records have them).
//
// EventData (besides `roomId`, added by the sender):
//   RoomCreated   {seq, roomCreatedMs}
//   RoomEnded     {seq, roomCreatedMs, reason}
//   UserJoined    {seq, roomCreatedMs, userId, visible, mediaOnly}
//   UserLeft      {seq, roomCreatedMs, userId, visible, reason: left|timed_out|kicked|
//                  token_expired|replaced|room_dismissed|media_ended, detail}
//   StreamStarted {seq, roomCreatedMs, userId, stream: main|screen, audio, video}
//   StreamStopped {seq, roomCreatedMs, userId, stream, reason}
//   StreamFailed  {seq, roomCreatedMs, userId, stream, reason}
//   MuteChanged   {seq, roomCreatedMs, userId, stream, audioMuted, videoMuted}
// Pure.

#include <optional>
#include <string>

#include <boost/json/object.hpp>

#include "room/events.hpp"
#include "webhook/events.hpp"

namespace minirtc::webhook {

struct RoomCallback {
  EventType type;
  boost::json::object data;
};

std::optional<RoomCallback> callback_of(const room::Event& e);

}  // namespace minirtc::webhook
