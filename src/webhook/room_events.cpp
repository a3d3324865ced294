#include "webhook/room_events.hpp"

namespace minirtc::webhook {

std::optional<RoomCallback> callback_of(const room::Event& e) {
  using K = room::EventKind;
  // A room taken over from a node that is gone: the app server heard of it from that node.
  // A room handed over to the node that won a pin conflict: its members go on there, unseen.
  if (e.restored || e.moved) return std::nullopt;
  RoomCallback out{EventType::RoomCreated, {}};
  auto& d = out.data;
  d["seq"] = e.seq;
  d["roomCreatedMs"] = e.room_created_ms;
  const auto stream = [&] { d["stream"] = e.stream == StreamKind::Screen ? "screen" : "main"; };
  switch (e.kind) {
    case K::RoomCreated:
      out.type = EventType::RoomCreated;
      break;
    case K::RoomEnded:
      out.type = EventType::RoomEnded;
      d["reason"] = e.reason;
      break;
    case K::UserJoined:
      out.type = EventType::UserJoined;
      d["userId"] = e.user_id;
      d["visible"] = e.visible;
      d["mediaOnly"] = e.media_only;
      break;
    case K::UserLeft:
      out.type = EventType::UserLeft;
      d["userId"] = e.user_id;
      d["visible"] = e.visible;
      d["reason"] = room::to_string(e.leave_reason);
      d["detail"] = e.reason;
      break;
    case K::StreamStarted:
      out.type = EventType::StreamStarted;
      d["userId"] = e.user_id;
      stream();
      d["audio"] = e.audio;
      d["video"] = e.video;
      break;
    case K::StreamStopped:
    case K::StreamFailed:
      out.type = e.kind == K::StreamStopped ? EventType::StreamStopped : EventType::StreamFailed;
      d["userId"] = e.user_id;
      stream();
      d["reason"] = e.reason;
      break;
    case K::MuteChanged:
      out.type = EventType::MuteChanged;
      d["userId"] = e.user_id;
      stream();
      d["audioMuted"] = e.audio;
      d["videoMuted"] = e.video;
      break;
    default:
      return std::nullopt;
  }
  return out;
}

}  // namespace minirtc::webhook
