#include "webhook/room_events.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace minirtc::webhook {
namespace {

room::Event event(room::EventKind kind) {
  room::Event e;
  e.kind = kind;
  e.app_id = "app";
  e.room_id = "r";
  e.room_created_ms = 1000;
  e.seq = 7;
  e.user_id = "alice";
  return e;
}

TEST(RoomCallbacks, UserLeftCarriesTheReasonNameAndOrderFields) {
  auto e = event(room::EventKind::UserLeft);
  e.leave_reason = room::LeaveReason::Kicked;
  e.reason = "test kick";
  auto cb = callback_of(e);
  ASSERT_TRUE(cb);
  EXPECT_EQ(cb->type, EventType::UserLeft);
  EXPECT_EQ(boost::json::serialize(cb->data),
            R"({"seq":7,"roomCreatedMs":1000,"userId":"alice","visible":true,)"
            R"("reason":"kicked","detail":"test kick"})");
}

TEST(RoomCallbacks, StreamAndMuteStates) {
  auto s = event(room::EventKind::StreamStarted);
  s.stream = StreamKind::Screen;
  s.audio = false;
  s.video = true;
  auto cb = callback_of(s);
  ASSERT_TRUE(cb);
  EXPECT_EQ(cb->type, EventType::StreamStarted);
  EXPECT_EQ(cb->data.at("stream").as_string(), "screen");
  EXPECT_FALSE(cb->data.at("audio").as_bool());
  EXPECT_TRUE(cb->data.at("video").as_bool());
  auto m = event(room::EventKind::MuteChanged);
  m.audio = true;
  auto mc = callback_of(m);
  ASSERT_TRUE(mc);
  EXPECT_TRUE(mc->data.at("audioMuted").as_bool());
  EXPECT_FALSE(mc->data.at("videoMuted").as_bool());
  auto f = event(room::EventKind::StreamFailed);
  f.reason = "publisher lost";
  EXPECT_EQ(callback_of(f)->type, EventType::StreamFailed);
}

TEST(RoomCallbacks, PublicationsSubscriptionsAndVisibilityAreNotSent) {
  for (auto k : {room::EventKind::PublicationStarted, room::EventKind::PublicationEnded,
                 room::EventKind::SubscriptionStarted, room::EventKind::SubscriptionEnded,
                 room::EventKind::VisibilityChanged})
    EXPECT_FALSE(callback_of(event(k)));
}

TEST(RoomCallbacks, ARoomTakenOverFromALostNodeIsNotAnnouncedAgain) {
  for (auto k : {room::EventKind::RoomCreated, room::EventKind::UserJoined}) {
    auto e = event(k);
    EXPECT_TRUE(callback_of(e));
    e.restored = true;
    EXPECT_FALSE(callback_of(e));
  }
}

TEST(RoomCallbacks, ARoomHandedOverAfterAPinConflictDoesNotEndForTheAppServer) {
  // The members go on on the node that won the conflict: no user_left, stream_stopped or
  // room_ended from the node that handed the room over.
  for (auto k :
       {room::EventKind::UserLeft, room::EventKind::StreamStopped, room::EventKind::RoomEnded}) {
    auto e = event(k);
    e.leave_reason = room::LeaveReason::Moved;
    EXPECT_TRUE(callback_of(e)) << room::to_string(k);
    e.moved = true;
    EXPECT_FALSE(callback_of(e)) << room::to_string(k);
  }
}

}  // namespace
}  // namespace minirtc::webhook
