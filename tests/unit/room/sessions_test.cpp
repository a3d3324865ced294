// Liveness, resume, token and privilege expiry.

#include "room_fixture.hpp"

namespace minirtc::room::testing {
namespace {

using NK = NotificationKind;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

class SessionsTest : public RoomTest {
 protected:
  void SetUp() override {
    must_join(1, "alice");
    must_join(2, "bob");
  }
  void keep_alive(std::initializer_list<SessionId> sessions) {
    for (SessionId s : sessions) rooms.touch(s, now);
  }
};

TEST_F(SessionsTest, ResumeInsideWindowIsInvisibleToOthers) {
  std::string pub_url = publish(1);
  ASSERT_TRUE(rooms.media_started(sid_of("alice"), true, true, now).ok());
  publish_live(2, "bob");
  Outcome sub = subscribe(1, "bob");
  std::string play_url = std::get<UrlReply>(sub.result).url;

  Outcome closed = rooms.socket_closed(1, now);
  EXPECT_THAT(closed.notifications, IsEmpty());
  EXPECT_THAT(closed.effects, IsEmpty());
  EXPECT_FALSE(rooms.is_joined(1));
  EXPECT_EQ(rooms.room(kApp, "r1")->members[0].state, MemberState::Detached);

  now += 19'999;
  keep_alive({2});
  EXPECT_THAT(rooms.tick(now).notifications, IsEmpty());
  Outcome out = rooms.resume(7, "token-1", now);
  ASSERT_TRUE(out.ok());
  auto& reply = std::get<ResumeReply>(out.result);
  EXPECT_EQ(reply.join.session_token, "token-1");
  EXPECT_EQ(reply.join.user_id, "alice");
  EXPECT_EQ(reply.join.room_id, "r1");
  ASSERT_EQ(reply.publications.size(), 1u);
  EXPECT_FALSE(reply.publications[0].screen);
  EXPECT_EQ(reply.publications[0].url, pub_url);
  ASSERT_EQ(reply.subscriptions.size(), 1u);
  EXPECT_EQ(reply.subscriptions[0].user_id, "bob");
  EXPECT_EQ(reply.subscriptions[0].url, play_url);
  EXPECT_THAT(notes(out, 7),
              ElementsAre(n_peer(NK::PeerOnline, "bob"), n_added("bob", true, true)));
  EXPECT_THAT(notes(out, 2), IsEmpty());
  EXPECT_TRUE(rooms.is_joined(7));
  EXPECT_EQ(code(rooms.publish(7, StreamKind::Main, now)), ErrorCode::AlreadyPublished);
  // Resume on a joined session.
  EXPECT_EQ(code(rooms.resume(2, "token-1", now)), ErrorCode::AlreadyInRoom);
}

TEST_F(SessionsTest, ResumeWindowPassingIsALeave) {
  publish_live(1, "alice");
  ASSERT_TRUE(rooms.socket_closed(1, now).ok());
  now += 20'000;
  keep_alive({2});
  Outcome out = rooms.tick(now);
  EXPECT_THAT(notes(out, 2),
              ElementsAre(n_stream(NK::StreamRemoved, "alice"), n_peer(NK::PeerLeave, "alice")));
  EXPECT_EQ(effects<RevokeUrl>(out).size(), 1u);
  EXPECT_THAT(out.closes, IsEmpty());
  Outcome late = rooms.resume(7, "token-1", now);
  EXPECT_EQ(code(late), ErrorCode::JoinRoomError);
  EXPECT_EQ(late.error->message, "unknown or expired session");
  EXPECT_FALSE(rooms.has_session_token("token-1"));
}

TEST_F(SessionsTest, ResumeWhileOldSocketLooksAliveClosesItQuietly) {
  Outcome out = rooms.resume(7, "token-1", now);
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out.closes.size(), 1u);
  EXPECT_EQ(out.closes[0].session, 1u);
  EXPECT_THAT(notes(out, 1), IsEmpty());  // no clientBanned
  EXPECT_FALSE(rooms.is_joined(1));
  EXPECT_THAT(rooms.socket_closed(1, now).effects, IsEmpty());
  EXPECT_TRUE(rooms.is_joined(7));
  EXPECT_EQ(code(rooms.resume(8, "nope", now)), ErrorCode::JoinRoomError);
}

TEST_F(SessionsTest, SilenceIsADroppedSocket) {
  now += 29'999;
  keep_alive({2});
  EXPECT_THAT(rooms.tick(now).closes, IsEmpty());
  now += 1;
  Outcome out = rooms.tick(now);
  ASSERT_EQ(out.closes.size(), 1u);
  EXPECT_EQ(out.closes[0].session, 1u);
  EXPECT_EQ(out.closes[0].reason, "session timeout");
  EXPECT_THAT(out.notifications, IsEmpty());
  EXPECT_FALSE(rooms.is_joined(1));
  // Resumable within the window...
  keep_alive({2});
  EXPECT_TRUE(rooms.resume(9, "token-1", now).ok());
  // ...and after silence + window it leaves.
  now += 30'000;
  keep_alive({2});
  EXPECT_EQ(rooms.tick(now).closes.size(), 1u);
  now += 20'000;
  keep_alive({2});
  EXPECT_THAT(notes(rooms.tick(now), 2), ElementsAre(n_peer(NK::PeerLeave, "alice")));
}

TEST_F(SessionsTest, RequestsKeepTheSessionAlive) {
  for (int i = 0; i < 10; ++i) {
    now += 10'000;
    (void)rooms.publish(1, StreamKind::Main, now);  // any command counts, even a failing one
    keep_alive({2});
    EXPECT_THAT(rooms.tick(now).closes, IsEmpty());
  }
}

TEST_F(RoomTest, ZeroResumeWindowLeavesAtOnce) {
  Config c;
  c.resume_window_ms = 0;
  FakeUrls u;
  RoomService r(c, u);
  JoinRequest a{kApp, "r1", "alice", true, "", "", ""}, b{kApp, "r1", "bob", true, "", "", ""};
  ASSERT_TRUE(r.join(1, a, full_grant(), now).ok());
  ASSERT_TRUE(r.join(2, b, full_grant(), now).ok());
  EXPECT_THAT(notes(r.socket_closed(1, now), 2), ElementsAre(n_peer(NK::PeerLeave, "alice")));
}

TEST_F(RoomTest, TokenExpiryRemovesTheUser) {
  Grant g = full_grant();
  g.token_expires_ms = now + 5'000;
  must_join(1, "alice", true, "r1", g);
  must_join(2, "bob");
  publish_live(1, "alice");
  now += 4'999;
  EXPECT_THAT(rooms.tick(now).notifications, IsEmpty());
  now += 1;
  Outcome out = rooms.tick(now);
  EXPECT_THAT(notes(out, 1), ElementsAre(n_banned("token expired")));
  EXPECT_THAT(notes(out, 2),
              ElementsAre(n_stream(NK::StreamRemoved, "alice"), n_peer(NK::PeerLeave, "alice")));
  ASSERT_EQ(out.closes.size(), 1u);
  EXPECT_EQ(out.closes[0].session, 1u);
  EXPECT_EQ(effects<CloseStream>(out).size(), 1u);
  EXPECT_EQ(effects<RevokeUrl>(out).size(), 1u);
  EXPECT_FALSE(rooms.is_joined(1));
}

TEST_F(RoomTest, ExpiredTokenCannotResume) {
  Grant g = full_grant();
  g.token_expires_ms = now + 5'000;
  must_join(1, "alice", true, "r1", g);
  must_join(2, "bob");
  ASSERT_TRUE(rooms.socket_closed(1, now).ok());
  now += 5'000;
  Outcome out = rooms.resume(3, "token-1", now);
  EXPECT_EQ(code(out), ErrorCode::JoinRoomError);
  EXPECT_EQ(out.error->message, "token expired");
  EXPECT_THAT(notes(out, 2), ElementsAre(n_peer(NK::PeerLeave, "alice")));
  EXPECT_FALSE(rooms.is_joined(3));
}

TEST_F(RoomTest, PublishPrivilegeExpiryStopsPublishing) {
  Grant g = full_grant();
  g.publish_expires_ms = now + 1'000;
  must_join(1, "alice", true, "r1", g);
  must_join(2, "bob");
  publish_live(1, "alice");
  ASSERT_TRUE(subscribe(2, "alice").ok());
  now += 1'000;
  Outcome out = rooms.tick(now);
  EXPECT_THAT(notes(out, 1), ElementsAre(n_failed("alice", "publish privilege expired")));
  EXPECT_THAT(notes(out, 2), ElementsAre(n_stream(NK::StreamRemoved, "alice")));
  EXPECT_EQ(effects<RevokeUrl>(out).size(), 2u);
  ASSERT_EQ(effects<CloseStream>(out).size(), 1u);
  EXPECT_EQ(effects<CloseStream>(out)[0].stream, sid_of("alice"));
  EXPECT_TRUE(rooms.is_joined(1));  // still in the room, can subscribe
  EXPECT_EQ(code(rooms.publish(1, StreamKind::Main, now)), ErrorCode::PublishError);
  EXPECT_THAT(rooms.tick(now).notifications, IsEmpty());
}

TEST_F(RoomTest, SubscribePrivilegeExpiryEndsSubscriptions) {
  Grant g = full_grant();
  g.subscribe_expires_ms = now + 1'000;
  must_join(1, "alice");
  must_join(2, "bob", true, "r1", g);
  publish_live(1, "alice");
  ASSERT_TRUE(subscribe(2, "alice").ok());
  now += 1'000;
  rooms.touch(1, now);
  Outcome out = rooms.tick(now);
  EXPECT_THAT(notes(out, 2), ElementsAre(n_failed("alice", "subscribe privilege expired")));
  EXPECT_THAT(notes(out, 1), IsEmpty());
  auto revoked = effects<RevokeUrl>(out);
  ASSERT_EQ(revoked.size(), 1u);
  EXPECT_EQ(revoked[0].viewer, "bob");
  EXPECT_EQ(code(subscribe(2, "alice")), ErrorCode::SubscribeFailed);
  EXPECT_EQ(rooms.room(kApp, "r1")->summary.subscriptions, 0u);
}

TEST_F(RoomTest, MediaOnlyRoomIsDeletedAfterMediaStops) {
  ASSERT_TRUE(rooms.media_started(sid_of("cam", StreamKind::Main, "solo"), true, true, now).ok());
  Outcome off = rooms.media_stopped(sid_of("cam", StreamKind::Main, "solo"), now);
  EXPECT_THAT(effects<CloseStream>(off), IsEmpty());  // its viewers wait for the pusher
  EXPECT_EQ(rooms.room(kApp, "solo")->members.size(), 1u);
  now += rooms.config().publish_no_media_timeout_ms;
  EXPECT_EQ(effects<CloseStream>(rooms.tick(now)).size(), 1u);
  EXPECT_EQ(rooms.room(kApp, "solo")->members.size(), 0u);
  now += 30'000;
  (void)rooms.tick(now);
  EXPECT_FALSE(rooms.room(kApp, "solo").has_value());
}

TEST_F(RoomTest, ClockSteppingBackDoesNotExpireAnything) {
  must_join(1, "alice");
  now -= 1'000'000;
  Outcome out = rooms.tick(now);
  EXPECT_THAT(out.closes, IsEmpty());
  EXPECT_TRUE(rooms.is_joined(1));
}

}  // namespace
}  // namespace minirtc::room::testing
