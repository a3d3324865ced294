// Cluster takeover (docs/cluster.md "Node loss"): a node writes its members out
// (resumable_members), the node is lost, another node restores them (restore) and each client
// resumes there as after a dropped socket, with new URLs.

#include "room_fixture.hpp"

namespace minirtc::room::testing {
namespace {

using NK = NotificationKind;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

/// `rooms` is the node that dies; `other` (its own URLs) is the node that takes over.
class RestoreTest : public RoomTest {
 protected:
  void SetUp() override {
    must_join(1, "alice");
    must_join(2, "bob");
    must_join(3, "eve", /*visible=*/false);
    publish_live(1, "alice");
    publish_live(2, "bob");
    EXPECT_TRUE(subscribe(1, "bob").ok());
    EXPECT_TRUE(subscribe(2, "alice", /*audio=*/false, true, PlayFormat::Flv).ok());
    EXPECT_TRUE(subscribe(3, "alice").ok());
    EXPECT_TRUE(rooms.mute_local(1, mute_audio_req(), now).ok());
  }
  static MuteLocalRequest mute_audio_req() {
    MuteLocalRequest r;
    r.kind = StreamKind::Main;
    r.audio = true;  // muted
    return r;
  }
  FakeUrls other_urls;
  RoomService other{Config{}, other_urls};
};

TEST_F(RestoreTest, MembersAreWrittenOutInJoinOrderWithTheirStreamsAndMutes) {
  auto members = rooms.resumable_members(kApp, "r1");
  ASSERT_EQ(members.size(), 3u);
  EXPECT_EQ(members[0].user_id, "alice");
  EXPECT_EQ(members[0].session_token, "token-1");
  EXPECT_TRUE(members[0].grant.publish);
  ASSERT_EQ(members[0].publications.size(), 1u);
  EXPECT_TRUE(members[0].publications[0].mute_audio);
  EXPECT_FALSE(members[0].publications[0].mute_video);
  ASSERT_EQ(members[0].subscriptions.size(), 1u);
  EXPECT_EQ(members[0].subscriptions[0].user_id, "bob");
  EXPECT_EQ(members[1].user_id, "bob");
  ASSERT_EQ(members[1].subscriptions.size(), 1u);
  EXPECT_EQ(members[1].subscriptions[0].format, PlayFormat::Flv);
  EXPECT_TRUE(members[1].subscriptions[0].mute_audio);
  EXPECT_EQ(members[2].user_id, "eve");
  EXPECT_FALSE(members[2].visible);
  EXPECT_THAT(rooms.resumable_members(kApp, "nope"), IsEmpty());
}

TEST_F(RestoreTest, RestoredMembersResumeWithNewUrlsAndNobodySeesALeaveOrJoin) {
  auto members = rooms.resumable_members(kApp, "r1");
  Outcome restored = other.restore(kApp, "r1", members, now);
  EXPECT_TRUE(restored.ok());
  EXPECT_THAT(restored.notifications, IsEmpty());
  EXPECT_THAT(restored.closes, IsEmpty());
  // The mutes reach the new node's media plane.
  EXPECT_THAT(effects<SetStreamMute>(restored), ::testing::SizeIs(1));
  EXPECT_THAT(effects<SetViewerMute>(restored), ::testing::SizeIs(1));
  auto view = other.room(kApp, "r1");
  ASSERT_TRUE(view);
  ASSERT_EQ(view->members.size(), 3u);
  for (const auto& m : view->members) EXPECT_EQ(m.state, MemberState::Detached) << m.user_id;

  // Bob comes back first: he sees alice (visible, her stream not live yet here) and not eve.
  Outcome bob = other.resume(12, "token-2", now + 500);
  ASSERT_TRUE(bob.ok()) << bob.error->message;
  const auto& reply = std::get<ResumeReply>(bob.result);
  EXPECT_EQ(reply.join.user_id, "bob");
  ASSERT_EQ(reply.publications.size(), 1u);
  EXPECT_EQ(reply.publications[0].url.substr(0, 4), "pub:");
  ASSERT_EQ(reply.subscriptions.size(), 1u);
  EXPECT_EQ(reply.subscriptions[0].user_id, "alice");
  EXPECT_EQ(reply.subscriptions[0].url.substr(0, 9), "play:flv:");
  EXPECT_THAT(notes(bob, 12), ElementsAre(n_peer(NK::PeerOnline, "alice")));

  // Alice resumes; her media arrives at the new URL: bob hears streamAdded, nobody a peerLeave.
  Outcome alice = other.resume(11, "token-1", now + 800);
  ASSERT_TRUE(alice.ok());
  EXPECT_THAT(notes(alice, 11), ElementsAre(n_peer(NK::PeerOnline, "bob")));
  EXPECT_THAT(notes(alice, 12), IsEmpty());
  Outcome live = other.media_started(sid_of("alice"), true, true, now + 900);
  // Her muteLocal (audio off) came along: the stream is announced without audio.
  EXPECT_THAT(notes(live, 12), ElementsAre(n_added("alice", false, true)));
}

TEST_F(RestoreTest, EventsAreMarkedRestoredAndFollowTheOrderRules) {
  Outcome restored = other.restore(kApp, "r1", rooms.resumable_members(kApp, "r1"), now);
  ASSERT_FALSE(restored.events.empty());
  EXPECT_EQ(restored.events.front().kind, EventKind::RoomCreated);
  std::uint64_t seq = 0;
  for (const auto& e : restored.events) {
    EXPECT_TRUE(e.restored);
    EXPECT_EQ(e.seq, ++seq);
  }
  auto count = [&](EventKind k) {
    return std::count_if(restored.events.begin(), restored.events.end(),
                         [k](const Event& e) { return e.kind == k; });
  };
  EXPECT_EQ(count(EventKind::UserJoined), 3);
  EXPECT_EQ(count(EventKind::PublicationStarted), 2);
  EXPECT_EQ(count(EventKind::SubscriptionStarted), 3);
}

TEST_F(RestoreTest, RestoringTwiceAddsNothingAndAMemberAlreadyHereIsKept) {
  auto members = rooms.resumable_members(kApp, "r1");
  ASSERT_TRUE(other.restore(kApp, "r1", members, now).ok());
  ASSERT_TRUE(other.resume(11, "token-1", now).ok());
  Outcome again = other.restore(kApp, "r1", members, now + 100);
  EXPECT_THAT(again.events, IsEmpty());
  EXPECT_TRUE(other.is_joined(11));
  EXPECT_EQ(other.room(kApp, "r1")->members.size(), 3u);
}

TEST_F(RestoreTest, ExpiredTokensAndSubscriptionsToMissingStreamsAreDropped) {
  auto members = rooms.resumable_members(kApp, "r1");
  members[1].grant.token_expires_ms = now - 1;  // bob's token has run out
  Outcome restored = other.restore(kApp, "r1", members, now);
  auto view = other.room(kApp, "r1");
  ASSERT_TRUE(view);
  ASSERT_EQ(view->members.size(), 2u);  // alice, eve
  EXPECT_TRUE(other.resume(12, "token-2", now).error);
  Outcome alice = other.resume(11, "token-1", now);
  ASSERT_TRUE(alice.ok());
  EXPECT_THAT(std::get<ResumeReply>(alice.result).subscriptions, IsEmpty());  // bob's stream
}

TEST_F(RestoreTest, MembersWhoNeverComeBackLeaveAfterTheResumeWindow) {
  ASSERT_TRUE(other.restore(kApp, "r1", rooms.resumable_members(kApp, "r1"), now).ok());
  ASSERT_TRUE(other.resume(11, "token-1", now).ok());
  other.touch(11, now + 20'000);
  Outcome t = other.tick(now + 20'000);
  // alice has not pushed to the new node either: her no-media timeout ran out meanwhile.
  EXPECT_THAT(notes(t, 11), ElementsAre(n_failed("alice", "no media"),
                                        n_peer(NK::PeerLeave, "bob")));  // eve is invisible
  EXPECT_EQ(other.room(kApp, "r1")->members.size(), 1u);
}

TEST_F(RestoreTest, NothingUsableCreatesNoRoom) {
  EXPECT_THAT(other.restore(kApp, "r1", {}, now).events, IsEmpty());
  EXPECT_FALSE(other.room(kApp, "r1"));
  std::vector<ResumableMember> bad(1);
  bad[0].user_id = "bad id!";
  bad[0].session_token = "t";
  bad[0].grant = full_grant();
  EXPECT_THAT(other.restore(kApp, "r1", bad, now).events, IsEmpty());
  EXPECT_FALSE(other.room(kApp, "r1"));
}

}  // namespace
}  // namespace minirtc::room::testing
