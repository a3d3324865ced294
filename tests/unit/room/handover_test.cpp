// Pin conflict after a Redis outage (docs/cluster.md "Pin conflicts"): two nodes hold the same
// room; the loser hands its half over (hand_over: records out, sessions told to go with 1001,
// the room forgotten without a leave), the winner merges that half into the room it already
// holds (restore into an existing room) and each moved client resumes there.

#include "room_fixture.hpp"

namespace minirtc::room::testing {
namespace {

using NK = NotificationKind;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

/// `rooms` is the loser (sessions 1..), `winner` the node that keeps the room (sessions 21..).
class HandOverTest : public RoomTest {
 protected:
  void SetUp() override {
    // Loser's half: alice publishes (audio muted), bob plays her in FLV, eve is invisible.
    must_join(1, "alice");
    must_join(2, "bob");
    must_join(3, "eve", /*visible=*/false);
    publish_live(1, "alice");
    EXPECT_TRUE(subscribe(2, "alice", true, true, PlayFormat::Flv).ok());
    MuteLocalRequest mute;
    mute.kind = StreamKind::Main;
    mute.audio = true;
    EXPECT_TRUE(rooms.mute_local(1, mute, now).ok());
    // Winner's half: carol publishes (live), dave plays her.
    winner_join(21, "carol");
    winner_join(22, "dave");
    EXPECT_TRUE(winner.publish(21, StreamKind::Main, now).ok());
    EXPECT_TRUE(winner.media_started(sid_of("carol"), true, true, now).ok());
    SubscribeRequest sub;
    sub.user_id = "carol";
    EXPECT_TRUE(winner.subscribe(22, sub, now).ok());
  }
  void winner_join(SessionId s, const std::string& user) {
    JoinRequest req;
    req.app_id = kApp;
    req.room_id = "r1";
    req.user_id = user;
    EXPECT_TRUE(winner.join(s, req, full_grant(), now).ok());
  }
  std::size_t count(const Outcome& out, EventKind k) {
    return static_cast<std::size_t>(std::count_if(out.events.begin(), out.events.end(),
                                                  [k](const Event& e) { return e.kind == k; }));
  }
  FakeUrls winner_urls{"w-token-"};
  RoomService winner{Config{}, winner_urls};
};

TEST_F(HandOverTest, LoserWritesItsMembersClosesWith1001AndForgetsTheRoomSilently) {
  auto h = rooms.hand_over(kApp, "r1", now + 100);
  ASSERT_THAT(h.members, SizeIs(3));
  EXPECT_EQ(h.members[0].user_id, "alice");
  EXPECT_EQ(h.members[0].session_token, "token-1");
  ASSERT_THAT(h.members[0].publications, SizeIs(1));
  EXPECT_TRUE(h.members[0].publications[0].mute_audio);
  EXPECT_EQ(h.members[1].user_id, "bob");
  ASSERT_THAT(h.members[1].subscriptions, SizeIs(1));
  EXPECT_EQ(h.members[1].subscriptions[0].format, PlayFormat::Flv);
  EXPECT_FALSE(h.members[2].visible);

  // Nobody hears anything (no peerLeave, no streamRemoved): every session goes away with 1001.
  EXPECT_THAT(h.outcome.notifications, IsEmpty());
  ASSERT_THAT(h.outcome.closes, SizeIs(3));
  for (const auto& c : h.outcome.closes) EXPECT_TRUE(c.going_away) << c.session;
  // The media goes on for now; its end comes later: alice's URL and bob's revoked, her stream
  // closed.
  EXPECT_THAT(h.outcome.effects, IsEmpty());
  Outcome later;
  later.effects = h.media_end;
  EXPECT_THAT(effects<RevokeUrl>(later), SizeIs(2));
  ASSERT_THAT(effects<CloseStream>(later), SizeIs(1));
  EXPECT_EQ(effects<CloseStream>(later)[0].stream, sid_of("alice"));

  // The room is gone here, its tokens and sessions with it.
  EXPECT_FALSE(rooms.room(kApp, "r1"));
  EXPECT_FALSE(rooms.is_joined(1));
  EXPECT_FALSE(rooms.has_session_token("token-1"));
  EXPECT_TRUE(rooms.resume(9, "token-1", now + 200).error);
  // A socket closing afterwards changes nothing.
  EXPECT_THAT(rooms.socket_closed(2, now + 300).events, IsEmpty());
  // Nothing left to hand over.
  EXPECT_THAT(rooms.hand_over(kApp, "r1", now + 400).members, IsEmpty());
}

TEST_F(HandOverTest, EndingEventsAreMarkedMovedAndFollowTheOrderRules) {
  auto h = rooms.hand_over(kApp, "r1", now + 100);
  const auto& ev = h.outcome.events;
  ASSERT_FALSE(ev.empty());
  for (const auto& e : ev) EXPECT_TRUE(e.moved) << to_string(e.kind);
  EXPECT_EQ(ev.back().kind, EventKind::RoomEnded);
  EXPECT_EQ(count(h.outcome, EventKind::SubscriptionEnded), 1u);
  EXPECT_EQ(count(h.outcome, EventKind::StreamStopped), 1u);
  EXPECT_EQ(count(h.outcome, EventKind::PublicationEnded), 1u);
  EXPECT_EQ(count(h.outcome, EventKind::UserLeft), 3u);
  // Numbered on from the room's earlier events; each user's streams end before it leaves.
  for (std::size_t i = 1; i < ev.size(); ++i) EXPECT_EQ(ev[i].seq, ev[i - 1].seq + 1);
  for (std::size_t i = 0; i < ev.size(); ++i) {
    if (ev[i].kind != EventKind::UserLeft) continue;
    EXPECT_EQ(ev[i].leave_reason, LeaveReason::Moved);
    for (std::size_t j = i + 1; j < ev.size(); ++j) EXPECT_NE(ev[j].user_id, ev[i].user_id);
  }
}

TEST_F(HandOverTest, WinnerMergesTheHalfItLacksAndItsMembersMeetTheNewcomers) {
  auto h = rooms.hand_over(kApp, "r1", now + 100);
  Outcome merged = winner.restore(kApp, "r1", h.members, now + 200);
  ASSERT_TRUE(merged.ok());
  // The room was here: no RoomCreated; each newcomer joins (restored: callbacks heard of them).
  EXPECT_EQ(count(merged, EventKind::RoomCreated), 0u);
  EXPECT_EQ(count(merged, EventKind::UserJoined), 3u);
  for (const auto& e : merged.events) EXPECT_TRUE(e.restored);
  // carol and dave meet alice and bob (eve is invisible); alice's stream is not live here yet.
  EXPECT_THAT(notes(merged, 21),
              ElementsAre(n_peer(NK::PeerOnline, "alice"), n_peer(NK::PeerOnline, "bob")));
  EXPECT_THAT(notes(merged, 22),
              ElementsAre(n_peer(NK::PeerOnline, "alice"), n_peer(NK::PeerOnline, "bob")));
  // alice's muteLocal came along.
  EXPECT_THAT(effects<SetStreamMute>(merged), SizeIs(1));
  auto view = winner.room(kApp, "r1");
  ASSERT_TRUE(view);
  ASSERT_THAT(view->members, SizeIs(5));
  EXPECT_EQ(view->members[0].user_id, "carol");  // the winner's members keep their place
  EXPECT_EQ(view->members[0].state, MemberState::Connected);
  EXPECT_EQ(view->members[2].user_id, "alice");
  EXPECT_EQ(view->members[2].state, MemberState::Detached);

  // bob resumes: he meets carol and dave and carol's live stream; his play URL is new.
  Outcome bob = winner.resume(32, "token-2", now + 300);
  ASSERT_TRUE(bob.ok()) << bob.error->message;
  const auto& reply = std::get<ResumeReply>(bob.result);
  ASSERT_THAT(reply.subscriptions, SizeIs(1));
  EXPECT_EQ(reply.subscriptions[0].user_id, "alice");
  EXPECT_EQ(reply.subscriptions[0].url.substr(0, 9), "play:flv:");
  EXPECT_THAT(notes(bob, 32),
              ElementsAre(n_peer(NK::PeerOnline, "carol"), n_peer(NK::PeerOnline, "dave"),
                          n_peer(NK::PeerOnline, "alice"), n_added("carol", true, true)));
  // alice resumes and pushes to her new URL: everyone connected hears her stream (no audio).
  Outcome alice = winner.resume(31, "token-1", now + 400);
  ASSERT_TRUE(alice.ok());
  ASSERT_THAT(std::get<ResumeReply>(alice.result).publications, SizeIs(1));
  EXPECT_EQ(std::get<ResumeReply>(alice.result).publications[0].url.substr(0, 4), "pub:");
  Outcome live = winner.media_started(sid_of("alice"), true, true, now + 500);
  for (SessionId s : {21, 22, 32})
    EXPECT_THAT(notes(live, s), ElementsAre(n_added("alice", false, true))) << s;
}

TEST_F(HandOverTest, AUserInBothHalvesTakesTheSessionThatMovesInAsASecondJoinWould) {
  // carol also joined the loser's half (her other device, or a join during the split).
  must_join(4, "carol");
  auto h = rooms.hand_over(kApp, "r1", now + 100);
  ASSERT_THAT(h.members, SizeIs(4));
  for (const auto& c : h.outcome.closes) EXPECT_TRUE(c.going_away) << c.session;

  Outcome merged = winner.restore(kApp, "r1", h.members, now + 200);
  // The winner's carol is banned; dave sees her stream go, not her (she is still in the room).
  EXPECT_THAT(notes(merged, 21),
              ElementsAre(n_banned("the same userId moved in from another node")));
  ASSERT_THAT(merged.closes, SizeIs(1));
  EXPECT_EQ(merged.closes[0].session, 21u);
  EXPECT_THAT(notes(merged, 22),
              ElementsAre(n_stream(NK::StreamRemoved, "carol"), n_peer(NK::PeerOnline, "alice"),
                          n_peer(NK::PeerOnline, "bob")));
  EXPECT_FALSE(winner.is_joined(21));
  // For observers carol left (replaced) and joined anew, as after a second join on one node.
  bool left = false, joined = false;
  for (const auto& e : merged.events) {
    if (e.user_id != "carol") continue;
    if (e.kind == EventKind::UserLeft) {
      left = true;
      EXPECT_EQ(e.leave_reason, LeaveReason::Replaced);
    }
    if (e.kind == EventKind::UserJoined) {
      joined = true;
      EXPECT_FALSE(e.restored);
    }
  }
  EXPECT_TRUE(left && joined);
  // The loser's carol resumes there; the winner's old token is gone.
  EXPECT_TRUE(winner.resume(34, "token-4", now + 300).ok());
  EXPECT_TRUE(winner.resume(35, "w-token-1", now + 300).error);
  EXPECT_THAT(winner.room(kApp, "r1")->members, SizeIs(5));
}

TEST_F(HandOverTest, ARecordOfASessionAlreadyHereChangesNothing) {
  // The winner's own records (same tokens) come back with the merge: its members stay as they are.
  auto own = winner.resumable_members(kApp, "r1");
  Outcome again = winner.restore(kApp, "r1", own, now + 100);
  EXPECT_THAT(again.events, IsEmpty());
  EXPECT_THAT(again.notifications, IsEmpty());
  EXPECT_TRUE(winner.is_joined(21));
  EXPECT_TRUE(winner.is_joined(22));
}

TEST_F(HandOverTest, ANewRoomRestoredAfterANodeLossStillNotifiesNobody) {
  // The merge's peerOnline is for rooms that were here; a room taken over whole stays silent.
  auto h = rooms.hand_over(kApp, "r1", now);
  FakeUrls fresh_urls{"f-token-"};
  RoomService fresh{Config{}, fresh_urls};
  Outcome restored = fresh.restore(kApp, "r1", h.members, now);
  EXPECT_THAT(restored.notifications, IsEmpty());
  EXPECT_EQ(count(restored, EventKind::RoomCreated), 1u);
}

TEST_F(HandOverTest, NoSuchRoomHandsOverNothing) {
  auto h = rooms.hand_over(kApp, "nope", now);
  EXPECT_THAT(h.members, IsEmpty());
  EXPECT_THAT(h.outcome.events, IsEmpty());
  EXPECT_THAT(h.outcome.closes, IsEmpty());
  EXPECT_THAT(h.media_end, IsEmpty());
  EXPECT_TRUE(rooms.room(kApp, "r1"));
}

// A media-only member of the loser's half (an encoder's push, which cannot move): the loser
// forgets it with the room (its UserLeft `moved`, announced nowhere) and forwards its push to
// the winner flagged as moved in, where it is restored for the observers: over the two nodes the
// app server hears it join once (on the loser) and never leave.
TEST_F(HandOverTest, AMediaOnlyMemberForwardedToTheWinnerJoinsOnceForTheObservers) {
  ASSERT_TRUE(rooms.media_started(sid_of("cam"), true, true, now).ok());
  auto h = rooms.hand_over(kApp, "r1", now + 100);
  for (const auto& m : h.members) EXPECT_NE(m.user_id, "cam");  // no session to move
  const auto cam_left = std::find_if(
      h.outcome.events.begin(), h.outcome.events.end(),
      [](const Event& e) { return e.kind == EventKind::UserLeft && e.user_id == "cam"; });
  ASSERT_NE(cam_left, h.outcome.events.end());
  EXPECT_TRUE(cam_left->moved);
  EXPECT_EQ(cam_left->leave_reason, LeaveReason::Moved);

  Outcome merged = winner.restore(kApp, "r1", h.members, now + 200);
  Outcome cam = winner.media_started(sid_of("cam"), true, true, now + 300, PushOrigin::MovedIn);
  // New to the winner's members: peerOnline and streamAdded.
  EXPECT_THAT(notes(cam, 21),
              ElementsAre(n_peer(NK::PeerOnline, "cam"), n_added("cam", true, true)));
  EXPECT_EQ(count(cam, EventKind::UserJoined), 1u);
  for (const auto& e : cam.events) {
    if (e.kind != EventKind::StreamStarted) {
      EXPECT_TRUE(e.restored) << to_string(e.kind);
    }
  }
  EXPECT_EQ(winner.room(kApp, "r1")->members.back().state, MemberState::MediaOnly);
}

}  // namespace
}  // namespace minirtc::room::testing
