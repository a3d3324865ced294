// Publishing, media events, subscriptions and the mute rules.

#include "room_fixture.hpp"

namespace minirtc::room::testing {
namespace {

using NK = NotificationKind;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

class StreamsTest : public RoomTest {
 protected:
  void SetUp() override {
    must_join(1, "alice");
    must_join(2, "bob");
  }
};

TEST_F(StreamsTest, PublishReturnsSignedUrlAndStreamAddedWaitsForMedia) {
  Outcome out = rooms.publish(1, StreamKind::Main, now);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(std::get<UrlReply>(out.result).url, "pub:" + kApp + "~r1~alice~main#0000000000000001");
  EXPECT_THAT(out.notifications, IsEmpty());

  Outcome media = rooms.media_started(sid_of("alice"), true, false, now);
  EXPECT_THAT(notes(media, 2), ElementsAre(n_added("alice", true, false)));
  EXPECT_THAT(notes(media, 1), IsEmpty());
  // Media starting again while live says nothing more.
  EXPECT_THAT(rooms.media_started(sid_of("alice"), true, true, now).notifications, IsEmpty());
  // A later joiner gets peerOnline for both, then the live stream.
  Outcome carol = must_join(3, "carol");
  EXPECT_THAT(notes(carol, 3),
              ElementsAre(n_peer(NK::PeerOnline, "alice"), n_peer(NK::PeerOnline, "bob"),
                          n_added("alice", true, true)));
}

TEST_F(StreamsTest, PublishErrors) {
  publish(1);
  EXPECT_EQ(code(rooms.publish(1, StreamKind::Main, now)), ErrorCode::AlreadyPublished);
  EXPECT_TRUE(rooms.publish(1, StreamKind::Screen, now).ok());

  Grant g = full_grant();
  g.publish = false;
  must_join(3, "viewer", true, "r1", g);
  Outcome out = rooms.publish(3, StreamKind::Main, now);
  EXPECT_EQ(code(out), ErrorCode::PublishError);
  EXPECT_EQ(out.error->message, "token has no publish privilege");

  g = full_grant();
  g.publish_expires_ms = now + 10;
  must_join(4, "late", true, "r1", g);
  now += 10;
  out = rooms.publish(4, StreamKind::Main, now);
  EXPECT_EQ(code(out), ErrorCode::PublishError);
  EXPECT_EQ(out.error->message, "publish privilege expired");
}

TEST_F(StreamsTest, NoMediaTimeoutSendsStreamFailedOnce) {
  publish(1);
  now += 9'999;
  rooms.touch(1, now);
  rooms.touch(2, now);
  EXPECT_THAT(rooms.tick(now).notifications, IsEmpty());
  now += 1;
  Outcome out = rooms.tick(now);
  EXPECT_THAT(notes(out, 1), ElementsAre(n_failed("alice", "no media")));
  EXPECT_THAT(notes(out, 2), IsEmpty());
  now += 5'000;
  EXPECT_THAT(rooms.tick(now).notifications, IsEmpty());
  // Media arriving late still adds the stream.
  EXPECT_THAT(notes(rooms.media_started(sid_of("alice"), true, true, now), 2),
              ElementsAre(n_added("alice", true, true)));
  EXPECT_FALSE(rooms.room(kApp, "r1")->members[0].publications[0].failed);
}

TEST_F(StreamsTest, MediaStopRemovesAndRestartAddsAgain) {
  publish_live(1, "alice");
  ASSERT_TRUE(subscribe(2, "alice").ok());
  Outcome stop = rooms.media_stopped(sid_of("alice"), now);
  EXPECT_THAT(notes(stop, 2), ElementsAre(n_stream(NK::StreamRemoved, "alice")));
  EXPECT_THAT(effects<RevokeUrl>(stop), IsEmpty());  // the subscription waits for the pusher
  EXPECT_EQ(rooms.room(kApp, "r1")->summary.subscriptions, 1u);
  // Ingest lost: streamFailed to the publisher after the timeout.
  now += 10'000;
  rooms.touch(1, now);
  rooms.touch(2, now);
  EXPECT_THAT(notes(rooms.tick(now), 1), ElementsAre(n_failed("alice", "no media")));
  Outcome again = rooms.media_started(sid_of("alice"), true, true, now);
  EXPECT_THAT(notes(again, 2), ElementsAre(n_added("alice", true, true)));
  // Stop of an unknown stream is a no-op.
  EXPECT_THAT(rooms.media_stopped(sid_of("nobody"), now).notifications, IsEmpty());
}

TEST_F(StreamsTest, SubscribeUrlsAndErrors) {
  publish_live(1, "alice");
  Outcome out = subscribe(2, "alice");
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(std::get<UrlReply>(out.result).url,
            "play:rtmp:" + kApp + "~r1~alice~main:bob#0000000000000002");
  EXPECT_THAT(effects<SetViewerMute>(out), IsEmpty());
  // Same format again: the same URL.
  EXPECT_EQ(std::get<UrlReply>(subscribe(2, "alice").result).url,
            std::get<UrlReply>(out.result).url);
  // Another format: a new URL, the old one revoked.
  Outcome flv = subscribe(2, "alice", true, true, PlayFormat::Flv);
  EXPECT_EQ(std::get<UrlReply>(flv.result).url,
            "play:flv:" + kApp + "~r1~alice~main:bob#0000000000000003");
  ASSERT_EQ(effects<RevokeUrl>(flv).size(), 1u);
  EXPECT_EQ(effects<RevokeUrl>(flv)[0].nonce, "0000000000000002");
  EXPECT_EQ(effects<RevokeUrl>(flv)[0].viewer, "bob");

  EXPECT_EQ(code(subscribe(2, "nobody")), ErrorCode::UidNotFound);
  EXPECT_EQ(code(subscribe(2, "bad id")), ErrorCode::InvalidParams);
  EXPECT_EQ(code(subscribe(1, "bob")), ErrorCode::StreamIdNotFound);
  EXPECT_EQ(code(subscribe(2, "alice", true, true, std::nullopt, StreamKind::Screen)),
            ErrorCode::StreamIdNotFound);
  // A published stream that has no media yet can be subscribed (the viewer waits).
  publish(2);
  EXPECT_TRUE(subscribe(1, "bob").ok());
}

TEST_F(StreamsTest, SubscribeNeedsPrivilege) {
  publish_live(1, "alice");
  Grant g = full_grant();
  g.subscribe = false;
  must_join(3, "carol", true, "r1", g);
  Outcome out = subscribe(3, "alice");
  EXPECT_EQ(code(out), ErrorCode::SubscribeFailed);
  EXPECT_EQ(out.error->message, "token has no subscribe privilege");
}

TEST_F(StreamsTest, SubscribeWithTracksOffSetsViewerFilter) {
  publish_live(1, "alice");
  Outcome out = subscribe(2, "alice", false, true);
  auto mutes = effects<SetViewerMute>(out);
  ASSERT_EQ(mutes.size(), 1u);
  EXPECT_EQ(mutes[0].stream, sid_of("alice"));
  EXPECT_EQ(mutes[0].viewer, "bob");
  EXPECT_TRUE(mutes[0].audio);
  EXPECT_FALSE(mutes[0].video);
}

TEST_F(RoomTest, FlvByConfig) {
  Config c;
  c.default_play_format = PlayFormat::Flv;
  FakeUrls u;
  RoomService r(c, u);
  JoinRequest a{kApp, "r1", "alice", true, "", "", ""}, b{kApp, "r1", "bob", true, "", "", ""};
  ASSERT_TRUE(r.join(1, a, full_grant(), now).ok());
  ASSERT_TRUE(r.join(2, b, full_grant(), now).ok());
  ASSERT_TRUE(r.publish(1, StreamKind::Main, now).ok());
  SubscribeRequest s;
  s.user_id = "alice";
  Outcome out = r.subscribe(2, s, now);
  EXPECT_EQ(std::get<UrlReply>(out.result).url.rfind("play:flv:", 0), 0u);
  s.format = PlayFormat::Rtmp;
  s.user_id = "alice";
  out = r.subscribe(2, s, now);
  EXPECT_EQ(std::get<UrlReply>(out.result).url.rfind("play:rtmp:", 0), 0u);
}

TEST_F(StreamsTest, Unsubscribe) {
  publish_live(1, "alice");
  ASSERT_TRUE(subscribe(2, "alice").ok());
  Outcome out = rooms.unsubscribe(2, "alice", StreamKind::Main, now);
  ASSERT_TRUE(out.ok());
  auto revoked = effects<RevokeUrl>(out);
  ASSERT_EQ(revoked.size(), 1u);
  EXPECT_EQ(revoked[0].stream, sid_of("alice"));
  EXPECT_EQ(revoked[0].viewer, "bob");
  EXPECT_THAT(out.notifications, IsEmpty());
  EXPECT_EQ(code(rooms.unsubscribe(2, "alice", StreamKind::Main, now)),
            ErrorCode::UnsubscribeFailed);
  EXPECT_EQ(code(rooms.unsubscribe(2, "ghost", StreamKind::Main, now)),
            ErrorCode::UnsubscribeFailed);
  EXPECT_EQ(code(rooms.unsubscribe(2, "", StreamKind::Main, now)), ErrorCode::InvalidParams);
}

TEST_F(StreamsTest, UnpublishRemovesStreamAndSubscriptions) {
  std::string url = publish(1);
  ASSERT_TRUE(rooms.media_started(sid_of("alice"), true, true, now).ok());
  ASSERT_TRUE(subscribe(2, "alice").ok());
  Outcome out = rooms.unpublish(1, StreamKind::Main, now);
  ASSERT_TRUE(out.ok());
  EXPECT_THAT(notes(out, 2), ElementsAre(n_stream(NK::StreamRemoved, "alice")));
  auto revoked = effects<RevokeUrl>(out);
  ASSERT_EQ(revoked.size(), 2u);
  EXPECT_EQ(revoked[0].viewer, "bob");
  EXPECT_EQ(revoked[1].viewer, "");
  EXPECT_NE(url.find(revoked[1].nonce), std::string::npos);
  EXPECT_EQ(code(rooms.unpublish(1, StreamKind::Main, now)), ErrorCode::NotPublished);
  // The later media_stopped from the closed pusher changes nothing.
  EXPECT_THAT(rooms.media_stopped(sid_of("alice"), now).notifications, IsEmpty());
  // Not yet live: unpublish tells nobody.
  publish(1);
  EXPECT_THAT(rooms.unpublish(1, StreamKind::Main, now).notifications, IsEmpty());
}

TEST_F(StreamsTest, MuteLocalRules) {
  publish_live(1, "alice");
  MuteLocalRequest m;
  m.audio = true;
  Outcome out = rooms.mute_local(1, m, now);
  ASSERT_TRUE(out.ok());
  EXPECT_THAT(notes(out, 2), ElementsAre(n_stream(NK::MuteAudio, "alice")));
  auto mutes = effects<SetStreamMute>(out);
  ASSERT_EQ(mutes.size(), 1u);
  EXPECT_TRUE(mutes[0].audio);
  EXPECT_FALSE(mutes[0].video);
  // Both off: removed.
  m = {};
  m.video = true;
  out = rooms.mute_local(1, m, now);
  EXPECT_THAT(notes(out, 2), ElementsAre(n_stream(NK::StreamRemoved, "alice")));
  // A joiner does not see a stream with both tracks off.
  Outcome carol = must_join(3, "carol");
  EXPECT_THAT(notes(carol, 3),
              ElementsAre(n_peer(NK::PeerOnline, "alice"), n_peer(NK::PeerOnline, "bob")));
  // Back from both off: added, with what is on.
  m = {};
  m.audio = false;
  out = rooms.mute_local(1, m, now);
  EXPECT_THAT(notes(out, 2), ElementsAre(n_added("alice", true, false)));
  EXPECT_THAT(notes(out, 3), ElementsAre(n_added("alice", true, false)));
  m = {};
  m.video = false;
  out = rooms.mute_local(1, m, now);
  EXPECT_THAT(notes(out, 2), ElementsAre(n_stream(NK::UnmuteVideo, "alice")));
  // Video off alone, then swap: audio off and video on at once.
  m = {};
  m.video = true;
  EXPECT_THAT(notes(rooms.mute_local(1, m, now), 2), ElementsAre(n_stream(NK::MuteVideo, "alice")));
  m.audio = true;
  m.video = false;
  EXPECT_THAT(notes(rooms.mute_local(1, m, now), 2),
              ElementsAre(n_stream(NK::MuteAudio, "alice"), n_stream(NK::UnmuteVideo, "alice")));
  // No change: nothing at all.
  out = rooms.mute_local(1, m, now);
  EXPECT_THAT(out.notifications, IsEmpty());
  EXPECT_THAT(out.effects, IsEmpty());
  m.audio = false;
  EXPECT_THAT(notes(rooms.mute_local(1, m, now), 2),
              ElementsAre(n_stream(NK::UnmuteAudio, "alice")));
  // Errors.
  EXPECT_EQ(code(rooms.mute_local(2, m, now)), ErrorCode::NotPublished);
  m.kind = StreamKind::Screen;
  EXPECT_EQ(code(rooms.mute_local(1, m, now)), ErrorCode::NotPublished);
}

TEST_F(StreamsTest, MuteBeforeMediaIsSilentAndShapesStreamAdded) {
  publish(1);
  MuteLocalRequest m;
  m.video = true;
  Outcome out = rooms.mute_local(1, m, now);
  EXPECT_THAT(out.notifications, IsEmpty());
  EXPECT_EQ(effects<SetStreamMute>(out).size(), 1u);
  Outcome media = rooms.media_started(sid_of("alice"), true, true, now);
  EXPECT_THAT(notes(media, 2), ElementsAre(n_added("alice", true, false)));
  // Both off before media: no streamAdded at all until a track comes back.
  publish(2);
  m.audio = true;
  ASSERT_TRUE(rooms.mute_local(2, m, now).ok());
  EXPECT_THAT(rooms.media_started(sid_of("bob"), true, true, now).notifications, IsEmpty());
  // Ending a muted publication resets the media plane's mute.
  Outcome end = rooms.unpublish(2, StreamKind::Main, now);
  auto resets = effects<SetStreamMute>(end);
  ASSERT_EQ(resets.size(), 1u);
  EXPECT_FALSE(resets[0].audio);
  EXPECT_FALSE(resets[0].video);
  EXPECT_THAT(end.notifications, IsEmpty());
}

TEST_F(StreamsTest, MuteRemoteDrivesViewerFilter) {
  publish_live(1, "alice");
  ASSERT_TRUE(subscribe(2, "alice").ok());
  MuteRemoteRequest m;
  m.user_id = "alice";
  m.video = true;
  Outcome out = rooms.mute_remote(2, m, now);
  ASSERT_TRUE(out.ok());
  EXPECT_THAT(out.notifications, IsEmpty());
  auto mutes = effects<SetViewerMute>(out);
  ASSERT_EQ(mutes.size(), 1u);
  EXPECT_EQ(mutes[0].viewer, "bob");
  EXPECT_EQ(mutes[0].nonce, "0000000000000002");
  EXPECT_FALSE(mutes[0].audio);
  EXPECT_TRUE(mutes[0].video);
  m.video.reset();
  m.audio = true;
  mutes = effects<SetViewerMute>(rooms.mute_remote(2, m, now));
  ASSERT_EQ(mutes.size(), 1u);
  EXPECT_TRUE(mutes[0].audio);
  EXPECT_TRUE(mutes[0].video);
  EXPECT_EQ(rooms.room(kApp, "r1")->members[1].subscriptions[0].mute_video, true);

  m.user_id = "nobody";
  EXPECT_EQ(code(rooms.mute_remote(2, m, now)), ErrorCode::UidNotFound);
  m.user_id = "alice";
  m.kind = StreamKind::Screen;
  EXPECT_EQ(code(rooms.mute_remote(2, m, now)), ErrorCode::MuteRemoteError);
  m.kind = StreamKind::Main;
  EXPECT_EQ(code(rooms.mute_remote(1, m, now)), ErrorCode::MuteRemoteError);
  m.user_id = "bad id";
  EXPECT_EQ(code(rooms.mute_remote(2, m, now)), ErrorCode::InvalidParams);
}

TEST_F(StreamsTest, MediaOnlyUserComesAndGoesWithItsMedia) {
  Outcome on = rooms.media_started(sid_of("cam"), true, true, now);
  EXPECT_THAT(notes(on, 1), ElementsAre(n_peer(NK::PeerOnline, "cam"), n_added("cam", true, true)));
  EXPECT_THAT(notes(on, 2), ElementsAre(n_peer(NK::PeerOnline, "cam"), n_added("cam", true, true)));
  auto view = rooms.room(kApp, "r1");
  ASSERT_EQ(view->members.size(), 3u);
  EXPECT_EQ(view->members[2].state, MemberState::MediaOnly);
  EXPECT_FALSE(view->members[2].publications[0].signalled);
  ASSERT_TRUE(subscribe(1, "cam").ok());
  // A joiner sees it like anyone else.
  Outcome carol = must_join(3, "carol");
  EXPECT_THAT(notes(carol, 3),
              ElementsAre(n_peer(NK::PeerOnline, "alice"), n_peer(NK::PeerOnline, "bob"),
                          n_peer(NK::PeerOnline, "cam"), n_added("cam", true, true)));
  Outcome off = rooms.media_stopped(sid_of("cam"), now);
  EXPECT_THAT(notes(off, 2), ElementsAre(n_stream(NK::StreamRemoved, "cam")));
  // Its viewers wait for the pusher (an encoder reconnecting): nothing revoked or closed yet.
  EXPECT_THAT(off.effects, IsEmpty());
  EXPECT_EQ(rooms.room(kApp, "r1")->members.size(), 4u);
  now += rooms.config().publish_no_media_timeout_ms;
  rooms.touch(1, now);
  rooms.touch(2, now);
  rooms.touch(3, now);
  Outcome gone = rooms.tick(now);
  EXPECT_THAT(notes(gone, 2), ElementsAre(n_peer(NK::PeerLeave, "cam")));
  EXPECT_EQ(effects<RevokeUrl>(gone).size(), 1u);  // alice's play URL
  ASSERT_EQ(effects<CloseStream>(gone).size(), 1u);
  EXPECT_EQ(effects<CloseStream>(gone)[0].stream, sid_of("cam"));
  EXPECT_EQ(rooms.room(kApp, "r1")->members.size(), 3u);
  // Media-only users are not subject to signalling timers.
  now += 100'000;
  rooms.touch(1, now);
  rooms.touch(2, now);
  rooms.touch(3, now);
  EXPECT_TRUE(rooms.media_started(sid_of("cam2"), true, true, now).ok());
  now += 40'000;
  rooms.touch(1, now);
  rooms.touch(2, now);
  rooms.touch(3, now);
  EXPECT_THAT(rooms.tick(now).notifications, IsEmpty());
}

TEST_F(RoomTest, MediaOnlyUserCreatesRoomAndCanBeTakenOver) {
  Outcome on = rooms.media_started(sid_of("cam", StreamKind::Main, "solo"), true, true, now);
  EXPECT_THAT(on.notifications, IsEmpty());
  ASSERT_EQ(rooms.list_rooms(kApp).size(), 1u);
  // A user joining with the same userId takes the media-only member over, keeping its stream.
  Outcome join_out = must_join(1, "viewer", true, "solo");
  EXPECT_THAT(notes(join_out, 1),
              ElementsAre(n_peer(NK::PeerOnline, "cam"), n_added("cam", true, true)));
  Outcome cam = must_join(2, "cam", true, "solo");
  EXPECT_THAT(notes(cam, 1), IsEmpty());
  EXPECT_EQ(rooms.room(kApp, "solo")->members[0].user_id, "cam");  // keeps its place
  EXPECT_EQ(rooms.room(kApp, "solo")->members[0].state, MemberState::Connected);
  EXPECT_EQ(rooms.room(kApp, "solo")->members[0].publications.size(), 1u);
  // Its media stopping now ends that unsignalled stream but not the member.
  Outcome off = rooms.media_stopped(sid_of("cam", StreamKind::Main, "solo"), now);
  EXPECT_THAT(notes(off, 1), ElementsAre(n_stream(NK::StreamRemoved, "cam")));
  EXPECT_EQ(rooms.room(kApp, "solo")->members.size(), 2u);
}

TEST_F(StreamsTest, UrlPushedStreamWaitsForItsPusherThroughTheGrace) {
  ASSERT_TRUE(rooms.media_started(sid_of("cam"), true, true, now).ok());
  ASSERT_TRUE(subscribe(1, "cam").ok());
  // The encoder drops and reconnects within the grace: the others see it removed and added
  // again, the viewers' URLs stay valid and nothing is closed.
  Outcome off = rooms.media_stopped(sid_of("cam"), now);
  EXPECT_THAT(notes(off, 1), ElementsAre(n_stream(NK::StreamRemoved, "cam")));
  EXPECT_THAT(off.effects, IsEmpty());
  now += rooms.config().publish_no_media_timeout_ms - 1;
  rooms.touch(1, now);
  rooms.touch(2, now);
  EXPECT_THAT(rooms.tick(now).effects, IsEmpty());
  Outcome back = rooms.media_started(sid_of("cam"), true, true, now);
  EXPECT_THAT(notes(back, 1), ElementsAre(n_added("cam", true, true)));  // no peerOnline again
  EXPECT_THAT(back.effects, IsEmpty());
  EXPECT_EQ(rooms.room(kApp, "r1")->summary.subscriptions, 1u);
  // The grace counts from the latest stop, not the first.
  ASSERT_TRUE(rooms.media_stopped(sid_of("cam"), now).effects.empty());
  now += rooms.config().publish_no_media_timeout_ms - 1;
  rooms.touch(1, now);
  rooms.touch(2, now);
  EXPECT_THAT(rooms.tick(now).effects, IsEmpty());
  now += 1;
  Outcome gone = rooms.tick(now);
  EXPECT_THAT(notes(gone, 1), ElementsAre(n_peer(NK::PeerLeave, "cam")));
  EXPECT_EQ(effects<CloseStream>(gone).size(), 1u);
  EXPECT_EQ(effects<RevokeUrl>(gone).size(), 1u);
  EXPECT_EQ(rooms.room(kApp, "r1")->summary.subscriptions, 0u);
  // Back after the grace: a new media-only member, as the first time.
  EXPECT_THAT(notes(rooms.media_started(sid_of("cam"), true, true, now), 1),
              ElementsAre(n_peer(NK::PeerOnline, "cam"), n_added("cam", true, true)));
}

TEST_F(StreamsTest, UrlPushedStreamOfAJoinedUserEndsAfterTheGraceButTheUserStays) {
  ASSERT_TRUE(rooms.media_started(sid_of("alice"), true, true, now).ok());  // no `publish`
  ASSERT_TRUE(rooms.media_stopped(sid_of("alice"), now).effects.empty());
  now += rooms.config().publish_no_media_timeout_ms;
  rooms.touch(1, now);
  rooms.touch(2, now);
  Outcome gone = rooms.tick(now);
  EXPECT_EQ(effects<CloseStream>(gone).size(), 1u);
  EXPECT_THAT(notes(gone, 1), IsEmpty());  // no streamFailed: it was not made by `publish`
  EXPECT_THAT(notes(gone, 2), IsEmpty());  // removed for bob when it stopped
  auto view = rooms.room(kApp, "r1");
  ASSERT_EQ(view->members.size(), 2u);
  EXPECT_TRUE(view->members[0].publications.empty());
}

// A push forwarded by another node for a media-only member that was in the room there (a pin
// conflict's loser, a node that died while forwarding it): the room's members meet it as a new
// member, the observers get its creation as restored (the app server heard it join there).
TEST_F(StreamsTest, MediaOnlyUserMovedInIsRestoredForObserversButNewToTheMembers) {
  Outcome on = rooms.media_started(sid_of("cam"), true, false, now, PushOrigin::MovedIn);
  EXPECT_THAT(notes(on, 1),
              ElementsAre(n_peer(NK::PeerOnline, "cam"), n_added("cam", true, false)));
  EXPECT_THAT(notes(on, 2),
              ElementsAre(n_peer(NK::PeerOnline, "cam"), n_added("cam", true, false)));
  ASSERT_EQ(on.events.size(), 3u);
  EXPECT_EQ(on.events[0].kind, EventKind::UserJoined);
  EXPECT_TRUE(on.events[0].media_only);
  EXPECT_TRUE(on.events[0].restored);
  EXPECT_EQ(on.events[1].kind, EventKind::PublicationStarted);
  EXPECT_TRUE(on.events[1].restored);
  // Its media starts here: a stream start like any (callbacks announce it, as a moved session's).
  EXPECT_EQ(on.events[2].kind, EventKind::StreamStarted);
  EXPECT_FALSE(on.events[2].restored);
  EXPECT_EQ(rooms.room(kApp, "r1")->members[2].state, MemberState::MediaOnly);
  // Once here it is an ordinary media-only member: its pusher coming back is no new member, and
  // when it does not come back it leaves (announced: this node announces its end).
  ASSERT_TRUE(rooms.media_stopped(sid_of("cam"), now).ok());
  Outcome back = rooms.media_started(sid_of("cam"), true, false, now, PushOrigin::Direct);
  EXPECT_THAT(notes(back, 1), ElementsAre(n_added("cam", true, false)));
  ASSERT_EQ(back.events.size(), 1u);
  EXPECT_EQ(back.events[0].kind, EventKind::StreamStarted);
  ASSERT_TRUE(rooms.media_stopped(sid_of("cam"), now).ok());
  now += rooms.config().publish_no_media_timeout_ms;
  rooms.touch(1, now);
  rooms.touch(2, now);
  Outcome gone = rooms.tick(now);
  EXPECT_THAT(notes(gone, 1), ElementsAre(n_peer(NK::PeerLeave, "cam")));
  const auto left = std::find_if(gone.events.begin(), gone.events.end(),
                                 [](const Event& e) { return e.kind == EventKind::UserLeft; });
  ASSERT_NE(left, gone.events.end());
  EXPECT_EQ(left->leave_reason, LeaveReason::MediaEnded);
  EXPECT_FALSE(left->moved);
}

TEST_F(StreamsTest, MovedInMattersOnlyForAUserNotInTheRoom) {
  // alice is a member by signalling: her pushed stream (however it arrives) adds no member.
  Outcome on = rooms.media_started(sid_of("alice"), true, true, now, PushOrigin::MovedIn);
  ASSERT_EQ(on.events.size(), 2u);
  EXPECT_EQ(on.events[0].kind, EventKind::PublicationStarted);
  EXPECT_FALSE(on.events[0].restored);
  EXPECT_EQ(on.events[1].kind, EventKind::StreamStarted);
  // A second stream of a media-only member that moved in: its member is here already.
  ASSERT_TRUE(rooms.media_started(sid_of("cam"), true, true, now, PushOrigin::MovedIn).ok());
  Outcome screen =
      rooms.media_started(sid_of("cam", StreamKind::Screen), true, true, now, PushOrigin::MovedIn);
  ASSERT_EQ(screen.events.size(), 2u);
  EXPECT_EQ(screen.events[0].kind, EventKind::PublicationStarted);
  EXPECT_FALSE(screen.events[0].restored);
}

TEST_F(RoomTest, MediaOnlyUserMovedInToARoomNewHereRestoresTheRoomToo) {
  // The room's new node after a node loss, before any session resumed: the room and the member
  // existed on the node that is gone.
  Outcome on = rooms.media_started(sid_of("cam", StreamKind::Main, "solo"), true, true, now,
                                   PushOrigin::MovedIn);
  EXPECT_THAT(on.notifications, IsEmpty());
  ASSERT_GE(on.events.size(), 2u);
  EXPECT_EQ(on.events[0].kind, EventKind::RoomCreated);
  EXPECT_TRUE(on.events[0].restored);
  EXPECT_EQ(on.events[1].kind, EventKind::UserJoined);
  EXPECT_TRUE(on.events[1].restored);
  // A direct push creating a room is new, as always.
  Outcome fresh = rooms.media_started(sid_of("cam", StreamKind::Main, "other"), true, true, now);
  for (const auto& e : fresh.events) EXPECT_FALSE(e.restored);
}

}  // namespace
}  // namespace minirtc::room::testing
