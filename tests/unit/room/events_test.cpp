// Room events for observers (room/events.hpp): what each command reports, in which order, with
// which reason, and how events are numbered.

#include "room_fixture.hpp"

namespace minirtc::room::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

/// One line per event: "kind user [publisher] [details]".
std::string describe(const Event& e) {
  std::string s(to_string(e.kind));
  if (!e.user_id.empty()) s += " " + e.user_id;
  if (!e.publisher.empty()) s += "<-" + e.publisher;
  if (e.stream == StreamKind::Screen) s += " screen";
  switch (e.kind) {
    case EventKind::UserJoined:
      if (!e.visible) s += " invisible";
      if (e.media_only) s += " media-only";
      break;
    case EventKind::UserLeft:
      s += " " + std::string(to_string(e.leave_reason));
      if (!e.visible) s += " invisible";
      break;
    case EventKind::VisibilityChanged:
      s += e.visible ? " visible" : " invisible";
      break;
    case EventKind::MuteChanged:
    case EventKind::StreamStarted:
      s += std::string(" audio=") + (e.audio ? "1" : "0") + " video=" + (e.video ? "1" : "0");
      break;
    case EventKind::StreamStopped:
    case EventKind::StreamFailed:
    case EventKind::PublicationEnded:
    case EventKind::RoomEnded:
      s += " (" + e.reason + ")";
      break;
    default:
      break;
  }
  return s;
}

std::vector<std::string> events(const Outcome& out) {
  std::vector<std::string> v;
  for (const auto& e : out.events) v.push_back(describe(e));
  return v;
}

class EventsTest : public RoomTest {
 protected:
  /// Keeps the given sessions alive (ping) and runs the timers.
  Outcome tick_alive(std::initializer_list<SessionId> alive) {
    for (SessionId s : alive) rooms.touch(s, now);
    return rooms.tick(now);
  }
};

TEST_F(EventsTest, FirstJoinCreatesTheRoomAndEventsAreNumberedPerRoom) {
  Outcome a = must_join(1, "alice");
  EXPECT_THAT(events(a), ElementsAre("room_created", "user_joined alice"));
  ASSERT_EQ(a.events.size(), 2u);
  EXPECT_EQ(a.events[0].app_id, kApp);
  EXPECT_EQ(a.events[0].room_id, "r1");
  EXPECT_EQ(a.events[0].time_ms, now);
  EXPECT_EQ(a.events[0].room_created_ms, now);
  EXPECT_EQ(a.events[0].seq, 1u);
  EXPECT_EQ(a.events[1].seq, 2u);

  now += 1000;
  Outcome b = must_join(2, "bob");
  EXPECT_THAT(events(b), ElementsAre("user_joined bob"));
  EXPECT_EQ(b.events[0].seq, 3u);
  EXPECT_EQ(b.events[0].time_ms, now);
  EXPECT_EQ(b.events[0].room_created_ms, now - 1000);

  // Another room counts on its own.
  Outcome c = must_join(3, "carol", true, "r2");
  EXPECT_THAT(events(c), ElementsAre("room_created", "user_joined carol"));
  EXPECT_EQ(c.events[0].seq, 1u);
  EXPECT_EQ(c.events[0].room_id, "r2");
}

TEST_F(EventsTest, FailedCommandsReportNothing) {
  must_join(1, "alice");
  EXPECT_THAT(rooms.publish(9, StreamKind::Main, now).events, IsEmpty());  // not joined
  publish(1);
  EXPECT_THAT(rooms.publish(1, StreamKind::Main, now).events, IsEmpty());  // already published
  EXPECT_THAT(subscribe(1, "nobody").events, IsEmpty());
}

TEST_F(EventsTest, AWholeCallInOrder) {
  must_join(1, "alice");
  must_join(2, "bob");

  Outcome pub = rooms.publish(1, StreamKind::Main, now);
  EXPECT_THAT(events(pub), ElementsAre("publication_started alice"));
  EXPECT_THAT(events(rooms.media_started(sid_of("alice"), true, true, now)),
              ElementsAre("stream_started alice audio=1 video=1"));
  // The media plane announcing the same stream again (a takeover) is not a new start.
  EXPECT_THAT(rooms.media_started(sid_of("alice"), true, true, now).events, IsEmpty());

  Outcome sub = subscribe(2, "alice");
  EXPECT_THAT(events(sub), ElementsAre("subscription_started bob<-alice"));
  // Subscribing again with the same format changes tracks only: nothing new for observers.
  EXPECT_THAT(subscribe(2, "alice", false, true).events, IsEmpty());
  // Another format is another subscription.
  EXPECT_THAT(events(subscribe(2, "alice", true, true, PlayFormat::Flv)),
              ElementsAre("subscription_ended bob<-alice", "subscription_started bob<-alice"));

  MuteLocalRequest mute;
  mute.kind = StreamKind::Main;
  mute.audio = true;
  EXPECT_THAT(events(rooms.mute_local(1, mute, now)),
              ElementsAre("mute_changed alice audio=1 video=0"));
  EXPECT_THAT(rooms.mute_local(1, mute, now).events, IsEmpty());  // no change, no event
  mute.audio = false;
  mute.video = true;
  EXPECT_THAT(events(rooms.mute_local(1, mute, now)),
              ElementsAre("mute_changed alice audio=0 video=1"));

  EXPECT_THAT(events(rooms.unsubscribe(2, "alice", StreamKind::Main, now)),
              ElementsAre("subscription_ended bob<-alice"));
  ASSERT_TRUE(subscribe(2, "alice").ok());
  EXPECT_THAT(events(rooms.unpublish(1, StreamKind::Main, now)),
              ElementsAre("subscription_ended bob<-alice", "stream_stopped alice (unpublished)",
                          "publication_ended alice (unpublished)"));
  // The media plane's end that follows the revocation finds nothing to report.
  EXPECT_THAT(rooms.media_stopped(sid_of("alice"), now).events, IsEmpty());

  EXPECT_THAT(events(rooms.leave(1, now)), ElementsAre("user_left alice left"));
  EXPECT_THAT(events(rooms.leave(2, now)), ElementsAre("user_left bob left"));
  now += rooms.config().empty_room_delay_ms - 1;
  EXPECT_THAT(rooms.tick(now).events, IsEmpty());
  now += 1;
  Outcome end = rooms.tick(now);
  EXPECT_THAT(events(end), ElementsAre("room_ended (empty)"));
  EXPECT_EQ(end.events[0].seq, 18u);  // one number per event of the room, none skipped
  EXPECT_EQ(end.events[0].time_ms, now);
}

TEST_F(EventsTest, LeavingEndsWhatTheMemberOwnedFirst) {
  must_join(1, "alice");
  must_join(2, "bob");
  publish_live(1, "alice");
  publish_live(2, "bob");
  ASSERT_TRUE(subscribe(1, "bob").ok());
  ASSERT_TRUE(subscribe(2, "alice").ok());
  EXPECT_THAT(events(rooms.leave(1, now)),
              ElementsAre("subscription_ended bob<-alice", "stream_stopped alice (left)",
                          "publication_ended alice (left)", "subscription_ended alice<-bob",
                          "user_left alice left"));
}

TEST_F(EventsTest, EveryLeaveHasItsReason) {
  // Timed out: the socket is lost and nobody resumes within the window.
  must_join(1, "alice");
  rooms.socket_closed(1, now);
  now += rooms.config().resume_window_ms;
  EXPECT_THAT(events(rooms.tick(now)), ElementsAre("user_left alice timed_out"));

  // Silent for the session timeout, then the window passes.
  must_join(2, "bob");
  now += rooms.config().session_timeout_ms;
  EXPECT_THAT(rooms.tick(now).events, IsEmpty());  // detached: may still resume
  now += rooms.config().resume_window_ms;
  EXPECT_THAT(events(rooms.tick(now)), ElementsAre("user_left bob timed_out"));

  // Kicked, with the admin's reason.
  must_join(3, "carol");
  Outcome kick = rooms.kick(kApp, "r1", "carol", "spam", now);
  EXPECT_THAT(events(kick), ElementsAre("user_left carol kicked"));
  EXPECT_EQ(kick.events[0].reason, "spam");

  // Token expired while in the room.
  Grant g = full_grant();
  g.token_expires_ms = now + 5;
  must_join(4, "dave", true, "r1", g);
  now += 5;
  EXPECT_THAT(events(tick_alive({4})), ElementsAre("user_left dave token_expired"));

  // Replaced: the same userId joins on another session: two sessions for the records.
  must_join(5, "erin");
  EXPECT_THAT(events(must_join(6, "erin", false)),
              ElementsAre("user_left erin replaced", "user_joined erin invisible"));

  // Dismissed: everyone leaves, then the room ends.
  must_join(7, "frank");
  EXPECT_THAT(events(rooms.dismiss(kApp, "r1", "", now)),
              ElementsAre("user_left erin room_dismissed invisible",
                          "user_left frank room_dismissed", "room_ended (room dismissed)"));
}

TEST_F(EventsTest, ReplacingAPublisherEndsItsStreamsUnderTheOldSession) {
  must_join(1, "alice");
  publish_live(1, "alice");
  EXPECT_THAT(events(must_join(2, "alice")),
              ElementsAre("stream_stopped alice (replaced by a new session)",
                          "publication_ended alice (replaced by a new session)",
                          "user_left alice replaced", "user_joined alice"));
}

TEST_F(EventsTest, VisibilityIsReportedAndEndsPublications) {
  Outcome join = must_join(1, "alice", false);
  EXPECT_THAT(events(join), ElementsAre("room_created", "user_joined alice invisible"));
  EXPECT_THAT(events(rooms.set_visibility(1, true, now)),
              ElementsAre("visibility_changed alice visible"));
  publish_live(1, "alice");
  EXPECT_THAT(events(rooms.set_visibility(1, false, now)),
              ElementsAre("stream_failed alice (invisible users cannot publish)",
                          "publication_ended alice (invisible users cannot publish)",
                          "visibility_changed alice invisible"));
}

TEST_F(EventsTest, StreamsStopAndFail) {
  must_join(1, "alice");
  publish_live(1, "alice", true, false);
  EXPECT_THAT(events(rooms.media_stopped(sid_of("alice"), now)),
              ElementsAre("stream_stopped alice (publisher stopped)"));
  EXPECT_THAT(events(rooms.media_started(sid_of("alice"), true, true, now)),
              ElementsAre("stream_started alice audio=1 video=1"));
  EXPECT_THAT(events(rooms.media_stopped(sid_of("alice"), now, "publisher connection lost", true)),
              ElementsAre("stream_failed alice (publisher connection lost)"));

  // No media after publish, or after the media stopped: failed once per wait.
  must_join(2, "bob");
  publish(2, StreamKind::Screen);
  now += rooms.config().publish_no_media_timeout_ms;
  EXPECT_THAT(events(tick_alive({1, 2})),
              ElementsAre("stream_failed alice (no media)", "stream_failed bob screen (no media)"));
  EXPECT_THAT(tick_alive({1, 2}).events, IsEmpty());
}

TEST_F(EventsTest, AnAdminForbiddingPublishFailsTheStreams) {
  must_join(1, "alice");
  publish_live(1, "alice");
  EXPECT_THAT(events(rooms.forbid_publish(kApp, "r1", "alice", true, now)),
              ElementsAre("stream_failed alice (publishing forbidden)",
                          "publication_ended alice (publishing forbidden)"));
}

TEST_F(EventsTest, PublishPrivilegeExpiryFailsTheStreams) {
  Grant g = full_grant();
  g.publish_expires_ms = now + 10;
  must_join(1, "alice", true, "r1", g);
  publish_live(1, "alice");
  now += 10;
  EXPECT_THAT(events(tick_alive({1})),
              ElementsAre("stream_failed alice (publish privilege expired)",
                          "publication_ended alice (publish privilege expired)"));
}

TEST_F(EventsTest, AStreamPushedWithoutSignallingComesAndGoesWithItsMember) {
  Outcome live = rooms.media_started(sid_of("enc"), true, true, now);
  EXPECT_THAT(events(live),
              ElementsAre("room_created", "user_joined enc media-only", "publication_started enc",
                          "stream_started enc audio=1 video=1"));
  EXPECT_THAT(events(rooms.media_stopped(sid_of("enc"), now)),
              ElementsAre("stream_stopped enc (publisher stopped)"));
  now += rooms.config().publish_no_media_timeout_ms;
  EXPECT_THAT(events(rooms.tick(now)),
              ElementsAre("publication_ended enc (the publisher did not come back)",
                          "user_left enc media_ended"));
  now += rooms.config().empty_room_delay_ms;
  EXPECT_THAT(events(rooms.tick(now)), ElementsAre("room_ended (empty)"));
}

TEST_F(EventsTest, ARoomCreatedAgainCountsFromOneAgain) {
  must_join(1, "alice");
  const std::uint64_t first = now;
  ASSERT_TRUE(rooms.dismiss(kApp, "r1", "", now).ok());
  now += 1;
  Outcome again = must_join(2, "alice");
  EXPECT_THAT(events(again), ElementsAre("room_created", "user_joined alice"));
  EXPECT_EQ(again.events[0].seq, 1u);
  EXPECT_EQ(again.events[0].room_created_ms, first + 1);
}

TEST_F(EventsTest, ResumingIsNotANewSession) {
  must_join(1, "alice");
  rooms.socket_closed(1, now);
  Outcome r = rooms.resume(2, "token-1", now);
  ASSERT_TRUE(r.ok());
  EXPECT_THAT(r.events, IsEmpty());
}

}  // namespace
}  // namespace minirtc::room::testing
