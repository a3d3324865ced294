// Joining, leaving, visibility, limits and the same-userId takeover.

#include "room_fixture.hpp"

namespace minirtc::room::testing {
namespace {

using NK = NotificationKind;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST_F(RoomTest, FirstJoinCreatesRoomAndRepliesWithTimers) {
  Outcome out = must_join(1, "alice");
  auto* reply = std::get_if<JoinReply>(&out.result);
  ASSERT_NE(reply, nullptr);
  EXPECT_EQ(reply->session_token, "token-1");
  EXPECT_EQ(reply->room_id, "r1");
  EXPECT_EQ(reply->user_id, "alice");
  EXPECT_EQ(reply->ping_interval_ms, 10000u);
  EXPECT_EQ(reply->session_timeout_ms, 30000u);
  EXPECT_EQ(reply->resume_window_ms, 20000u);
  EXPECT_THAT(out.notifications, IsEmpty());
  ASSERT_EQ(rooms.list_rooms(kApp).size(), 1u);
  EXPECT_EQ(rooms.list_rooms(kApp)[0].users, 1u);
  EXPECT_TRUE(rooms.is_joined(1));
}

TEST_F(RoomTest, JoinTellsBothSides) {
  must_join(1, "alice");
  Outcome out = must_join(2, "bob");
  EXPECT_THAT(notes(out, 2), ElementsAre(n_peer(NK::PeerOnline, "alice")));
  EXPECT_THAT(notes(out, 1), ElementsAre(n_peer(NK::PeerOnline, "bob")));
}

TEST_F(RoomTest, RoomsAreSeparatedByRoomAndApp) {
  must_join(1, "alice", true, "r1");
  Outcome out = must_join(2, "bob", true, "r2");
  EXPECT_THAT(out.notifications, IsEmpty());
  JoinRequest req{"abcdefabcdefabcdefabcdef", "r1", "carol", true, "", "", ""};
  Outcome other_app = rooms.join(3, req, full_grant(), now);
  ASSERT_TRUE(other_app.ok());
  EXPECT_THAT(other_app.notifications, IsEmpty());
  EXPECT_EQ(rooms.apps().size(), 2u);
}

TEST_F(RoomTest, WrongStateAndBadParams) {
  EXPECT_EQ(code(rooms.publish(1, StreamKind::Main, now)), ErrorCode::NotInRoom);
  EXPECT_EQ(code(rooms.leave(1, now)), ErrorCode::NotInRoom);
  EXPECT_EQ(code(subscribe(1, "x")), ErrorCode::NotInRoom);
  EXPECT_EQ(code(rooms.unsubscribe(1, "x", StreamKind::Main, now)), ErrorCode::NotInRoom);
  EXPECT_EQ(code(rooms.mute_local(1, {}, now)), ErrorCode::NotInRoom);
  EXPECT_EQ(code(rooms.mute_remote(1, {"x", StreamKind::Main, true, {}}, now)),
            ErrorCode::NotInRoom);
  EXPECT_EQ(code(rooms.set_visibility(1, false, now)), ErrorCode::NotInRoom);
  EXPECT_EQ(code(rooms.unpublish(1, StreamKind::Main, now)), ErrorCode::NotInRoom);

  EXPECT_EQ(code(join(1, "bad user")), ErrorCode::InvalidParams);
  EXPECT_EQ(code(join(1, "alice", true, "")), ErrorCode::InvalidParams);
  EXPECT_EQ(code(join(1, std::string(129, 'a'))), ErrorCode::InvalidParams);
  JoinRequest req{"short", "r1", "alice", true, "", "", ""};
  EXPECT_EQ(code(rooms.join(1, req, full_grant(), now)), ErrorCode::InvalidParams);
  req = {kApp, "r1", "alice", true, "bad~biz", "", ""};
  EXPECT_EQ(code(rooms.join(1, req, full_grant(), now)), ErrorCode::InvalidParams);
  EXPECT_TRUE(rooms.apps().empty());

  must_join(1, "alice");
  EXPECT_EQ(code(join(1, "alice")), ErrorCode::AlreadyInRoom);
  EXPECT_EQ(code(join(1, "other", true, "r2")), ErrorCode::AlreadyInRoom);
}

TEST_F(RoomTest, JoinNeedsJoinPrivilegeAndLiveToken) {
  Grant g = full_grant();
  g.join = false;
  Outcome out = join(1, "alice", true, "r1", g);
  EXPECT_EQ(code(out), ErrorCode::JoinRoomError);
  EXPECT_EQ(out.error->message, "token has no join privilege");
  g = full_grant();
  g.token_expires_ms = now;
  out = join(1, "alice", true, "r1", g);
  EXPECT_EQ(code(out), ErrorCode::JoinRoomError);
  EXPECT_EQ(out.error->message, "token expired");
  g.token_expires_ms = now + 1;
  EXPECT_TRUE(join(1, "alice", true, "r1", g).ok());
}

TEST_F(RoomTest, LeaveTellsOthersAndRevokesEverything) {
  must_join(1, "alice");
  must_join(2, "bob");
  publish_live(1, "alice");
  ASSERT_TRUE(subscribe(1, "alice").ok());  // alice watches herself: revoked too
  publish_live(2, "bob");
  ASSERT_TRUE(subscribe(2, "alice").ok());
  Outcome out = rooms.leave(1, now);
  ASSERT_TRUE(out.ok());
  EXPECT_THAT(notes(out, 2),
              ElementsAre(n_stream(NK::StreamRemoved, "alice"), n_peer(NK::PeerLeave, "alice")));
  EXPECT_THAT(notes(out, 1), IsEmpty());
  auto revoked = effects<RevokeUrl>(out);
  ASSERT_EQ(revoked.size(), 3u);  // alice's pub URL, bob's and alice's play URLs of it
  int pub_urls = 0;
  for (const auto& r : revoked) pub_urls += r.viewer.empty() ? 1 : 0;
  EXPECT_EQ(pub_urls, 1);
  EXPECT_FALSE(rooms.is_joined(1));
  EXPECT_EQ(rooms.room(kApp, "r1")->members.size(), 1u);
  EXPECT_EQ(rooms.room(kApp, "r1")->summary.subscriptions, 0u);
  // The session may join again.
  EXPECT_TRUE(join(1, "alice").ok());
}

TEST_F(RoomTest, InvisibleUsersCauseNothingAndCannotPublish) {
  must_join(1, "alice");
  publish_live(1, "alice");
  Outcome out = must_join(2, "ghost", false);
  EXPECT_THAT(notes(out, 1), IsEmpty());
  EXPECT_THAT(notes(out, 2),
              ElementsAre(n_peer(NK::PeerOnline, "alice"), n_added("alice", true, true)));
  Outcome pub = rooms.publish(2, StreamKind::Main, now);
  EXPECT_EQ(code(pub), ErrorCode::PublishError);
  EXPECT_EQ(pub.error->message, "invisible users cannot publish");
  EXPECT_TRUE(subscribe(2, "alice").ok());
  // A stream pushed for an invisible member anyway is closed.
  Outcome media = rooms.media_started(sid_of("ghost"), true, true, now);
  EXPECT_EQ(effects<CloseStream>(media).size(), 1u);
  EXPECT_THAT(media.notifications, IsEmpty());
  // Later joiners do not see the invisible user.
  Outcome carol = must_join(3, "carol");
  EXPECT_THAT(notes(carol, 3),
              ElementsAre(n_peer(NK::PeerOnline, "alice"), n_added("alice", true, true)));
  EXPECT_THAT(notes(carol, 2), ElementsAre(n_peer(NK::PeerOnline, "carol")));
  Outcome left = rooms.leave(2, now);
  EXPECT_THAT(left.notifications, IsEmpty());
}

TEST_F(RoomTest, VisibilityChanges) {
  must_join(1, "alice");
  must_join(2, "bob", false);
  Outcome on = rooms.set_visibility(2, true, now);
  ASSERT_TRUE(on.ok());
  EXPECT_THAT(notes(on, 1), ElementsAre(n_peer(NK::PeerOnline, "bob")));
  EXPECT_THAT(rooms.set_visibility(2, true, now).notifications, IsEmpty());  // no change

  publish_live(2, "bob");
  ASSERT_TRUE(subscribe(1, "bob").ok());
  Outcome off = rooms.set_visibility(2, false, now);
  ASSERT_TRUE(off.ok());
  EXPECT_THAT(notes(off, 1),
              ElementsAre(n_stream(NK::StreamRemoved, "bob"), n_peer(NK::PeerLeave, "bob")));
  EXPECT_THAT(notes(off, 2), ElementsAre(n_failed("bob", "invisible users cannot publish")));
  EXPECT_EQ(effects<RevokeUrl>(off).size(), 2u);
  EXPECT_EQ(effects<CloseStream>(off).size(), 1u);
  EXPECT_TRUE(rooms.room(kApp, "r1")->members[1].publications.empty());
}

TEST_F(RoomTest, VisibleLimitNamesTheLimit) {
  for (int i = 0; i < 8; ++i) must_join(i + 1, "u" + std::to_string(i));
  Outcome out = join(100, "late");
  EXPECT_EQ(code(out), ErrorCode::JoinRoomError);
  EXPECT_EQ(out.error->message, "room full: at most 8 visible users");
  EXPECT_TRUE(join(100, "ghost", false).ok());  // invisible users still fit
  // A user already in the room may rejoin (it replaces itself).
  EXPECT_TRUE(join(101, "u3").ok());
  // Turning visible is refused while full.
  Outcome vis = rooms.set_visibility(100, true, now);
  EXPECT_EQ(code(vis), ErrorCode::JoinRoomError);
  ASSERT_TRUE(rooms.leave(1, now).ok());
  EXPECT_TRUE(rooms.set_visibility(100, true, now).ok());
}

class SmallRoomTest : public RoomTest {
 protected:
  static Config small() {
    Config c;
    c.max_visible_users = 2;
    c.max_invisible_users = 1;
    c.max_subscribed_streams = 2;
    return c;
  }
  SmallRoomTest() : RoomTest(small()) {}
};

TEST_F(SmallRoomTest, InvisibleLimitNamesTheLimit) {
  must_join(1, "g1", false);
  Outcome out = join(2, "g2", false);
  EXPECT_EQ(code(out), ErrorCode::JoinRoomError);
  EXPECT_EQ(out.error->message, "room full: at most 1 invisible users");
  must_join(3, "a");
  EXPECT_EQ(code(rooms.set_visibility(3, false, now)), ErrorCode::JoinRoomError);
}

TEST_F(SmallRoomTest, DistinctSubscribedStreamLimit) {
  must_join(1, "a");
  must_join(2, "b");
  must_join(10, "viewer1", false);
  ASSERT_TRUE(rooms.leave(10, now).ok());
  publish_live(1, "a");
  publish_live(2, "b");
  publish(1, StreamKind::Screen);
  ASSERT_TRUE(rooms.media_started(sid_of("a", StreamKind::Screen), false, true, now).ok());
  ASSERT_TRUE(subscribe(1, "b").ok());
  ASSERT_TRUE(subscribe(2, "a").ok());
  Outcome third = subscribe(2, "a", true, true, std::nullopt, StreamKind::Screen);
  EXPECT_EQ(code(third), ErrorCode::SubscribeFailed);
  EXPECT_EQ(third.error->message, "room limit of 2 subscribed streams reached");
  // Another viewer of an already subscribed stream does not count again.
  EXPECT_TRUE(subscribe(1, "a").ok());
  ASSERT_TRUE(rooms.unsubscribe(1, "b", StreamKind::Main, now).ok());
  EXPECT_TRUE(subscribe(2, "a", true, true, std::nullopt, StreamKind::Screen).ok());
}

TEST_F(RoomTest, AtMostTwentyPeerOnlineOnJoin) {
  Config c;
  c.max_visible_users = 30;
  FakeUrls u;
  RoomService big(c, u);
  for (int i = 0; i < 25; ++i) {
    JoinRequest req{kApp, "r1", "u" + std::to_string(100 + i), true, "", "", ""};
    ASSERT_TRUE(big.join(i + 1, req, full_grant(), now).ok());
    ASSERT_TRUE(big.publish(i + 1, StreamKind::Main, now).ok());
    ASSERT_TRUE(big.media_started(sid_of(req.user_id), true, true, now).ok());
  }
  JoinRequest req{kApp, "r1", "last", true, "", "", ""};
  Outcome out = big.join(99, req, full_grant(), now);
  auto n = notes(out, 99);
  ASSERT_EQ(n.size(), 20u + 25u);  // 20 peerOnline (first joiners first), every live stream
  for (int i = 0; i < 20; ++i)
    EXPECT_EQ(n[i], n_peer(NK::PeerOnline, "u" + std::to_string(100 + i)));
  for (int i = 0; i < 25; ++i) EXPECT_EQ(n[20 + i].kind, NK::StreamAdded);
}

TEST_F(RoomTest, SameUserIdTakesOverQuietly) {
  must_join(1, "alice");
  must_join(2, "bob");
  std::string old_url = publish(1);
  ASSERT_TRUE(rooms.media_started(sid_of("alice"), true, true, now).ok());
  publish_live(2, "bob");
  ASSERT_TRUE(subscribe(1, "bob").ok());
  ASSERT_TRUE(subscribe(2, "alice").ok());

  Outcome out = must_join(3, "alice");
  EXPECT_THAT(notes(out, 1), ElementsAre(n_banned("the same userId joined the room again")));
  ASSERT_EQ(out.closes.size(), 1u);
  EXPECT_EQ(out.closes[0].session, 1u);
  // bob sees alice's old stream go, but no leave/online.
  EXPECT_THAT(notes(out, 2), ElementsAre(n_stream(NK::StreamRemoved, "alice")));
  EXPECT_THAT(notes(out, 3),
              ElementsAre(n_peer(NK::PeerOnline, "bob"), n_added("bob", true, true)));
  // Old URLs (publish, alice's play of bob, bob's play of alice) are revoked.
  auto revoked = effects<RevokeUrl>(out);
  EXPECT_EQ(revoked.size(), 3u);
  EXPECT_TRUE(std::any_of(revoked.begin(), revoked.end(), [&](const RevokeUrl& r) {
    return r.viewer.empty() && old_url.find(r.nonce) != std::string::npos;
  }));
  // The old session is gone; the new one works; a late socket close of the old one is a no-op.
  EXPECT_FALSE(rooms.is_joined(1));
  EXPECT_EQ(code(rooms.publish(1, StreamKind::Main, now)), ErrorCode::NotInRoom);
  EXPECT_THAT(rooms.socket_closed(1, now).notifications, IsEmpty());
  EXPECT_TRUE(rooms.publish(3, StreamKind::Main, now).ok());
  EXPECT_EQ(rooms.room(kApp, "r1")->members.size(), 2u);
  // The old session token no longer resumes.
  EXPECT_FALSE(rooms.has_session_token("token-1"));
}

TEST_F(RoomTest, SameUserIdTakeoverChangingVisibility) {
  must_join(1, "alice");
  must_join(2, "bob");
  Outcome out = must_join(3, "bob", false);
  EXPECT_THAT(notes(out, 1), ElementsAre(n_peer(NK::PeerLeave, "bob")));
  out = must_join(4, "bob", true);
  EXPECT_THAT(notes(out, 1), ElementsAre(n_peer(NK::PeerOnline, "bob")));
  EXPECT_THAT(notes(out, 3), ElementsAre(n_banned("the same userId joined the room again")));
}

TEST_F(RoomTest, EmptyRoomIsDeletedAfterTheDelay) {
  must_join(1, "alice");
  ASSERT_TRUE(rooms.leave(1, now).ok());
  now += 29'999;
  (void)rooms.tick(now);
  EXPECT_EQ(rooms.list_rooms(kApp).size(), 1u);
  now += 1;
  (void)rooms.tick(now);
  EXPECT_TRUE(rooms.list_rooms(kApp).empty());
  EXPECT_TRUE(rooms.apps().empty());
}

TEST_F(RoomTest, RejoinCancelsDeletion) {
  must_join(1, "alice");
  ASSERT_TRUE(rooms.leave(1, now).ok());
  now += 20'000;
  must_join(2, "bob");
  now += 20'000;
  rooms.touch(2, now);
  (void)rooms.tick(now);
  EXPECT_EQ(rooms.list_rooms(kApp).size(), 1u);
  ASSERT_TRUE(rooms.leave(2, now).ok());
  now += 30'000;
  (void)rooms.tick(now);
  EXPECT_TRUE(rooms.list_rooms(kApp).empty());
}

}  // namespace
}  // namespace minirtc::room::testing
