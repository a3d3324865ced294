// Admin operations, client reports and the read-only views.

#include "room_fixture.hpp"

namespace minirtc::room::testing {
namespace {

using NK = NotificationKind;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

class AdminTest : public RoomTest {
 protected:
  void SetUp() override {
    must_join(1, "alice");
    must_join(2, "bob");
  }
};

TEST_F(AdminTest, KickBansRevokesAndTellsOthers) {
  publish_live(1, "alice");
  ASSERT_TRUE(subscribe(1, "alice").ok());
  Outcome out = rooms.kick(kApp, "r1", "alice", "bad behaviour", now);
  ASSERT_TRUE(out.ok());
  EXPECT_THAT(notes(out, 1), ElementsAre(n_banned("bad behaviour")));
  ASSERT_EQ(out.closes.size(), 1u);
  EXPECT_EQ(out.closes[0].session, 1u);
  EXPECT_THAT(notes(out, 2),
              ElementsAre(n_stream(NK::StreamRemoved, "alice"), n_peer(NK::PeerLeave, "alice")));
  EXPECT_EQ(effects<RevokeUrl>(out).size(), 2u);
  EXPECT_EQ(effects<CloseStream>(out).size(), 1u);
  EXPECT_FALSE(rooms.is_joined(1));
  EXPECT_FALSE(rooms.has_session_token("token-1"));

  EXPECT_EQ(code(rooms.kick(kApp, "r1", "alice", "", now)), ErrorCode::NotFound);
  EXPECT_EQ(code(rooms.kick(kApp, "nope", "bob", "", now)), ErrorCode::NotFound);
  Outcome dflt = rooms.kick(kApp, "r1", "bob", "", now);
  EXPECT_THAT(notes(dflt, 2), ElementsAre(n_banned("kicked")));
}

TEST_F(AdminTest, KickMediaOnlyUserClosesItsStream) {
  ASSERT_TRUE(rooms.media_started(sid_of("cam"), true, true, now).ok());
  Outcome out = rooms.kick(kApp, "r1", "cam", "", now);
  EXPECT_THAT(out.closes, IsEmpty());
  ASSERT_EQ(effects<CloseStream>(out).size(), 1u);
  EXPECT_THAT(notes(out, 1),
              ElementsAre(n_stream(NK::StreamRemoved, "cam"), n_peer(NK::PeerLeave, "cam")));
}

TEST_F(AdminTest, DismissBansEveryoneAndDeletesRoom) {
  publish_live(1, "alice");
  ASSERT_TRUE(subscribe(2, "alice").ok());
  ASSERT_TRUE(rooms.socket_closed(2, now).ok());  // detached members go too
  Outcome out = rooms.dismiss(kApp, "r1", "", now);
  ASSERT_TRUE(out.ok());
  EXPECT_THAT(notes(out, 1), ElementsAre(n_banned("room dismissed")));
  EXPECT_THAT(notes(out, 2), IsEmpty());
  ASSERT_EQ(out.closes.size(), 1u);
  EXPECT_EQ(effects<RevokeUrl>(out).size(), 2u);
  EXPECT_EQ(effects<CloseStream>(out).size(), 1u);
  EXPECT_FALSE(rooms.room(kApp, "r1").has_value());
  EXPECT_TRUE(rooms.apps().empty());
  EXPECT_FALSE(rooms.is_joined(1));
  EXPECT_FALSE(rooms.has_session_token("token-2"));
  EXPECT_EQ(code(rooms.resume(5, "token-2", now)), ErrorCode::JoinRoomError);
  EXPECT_EQ(code(rooms.dismiss(kApp, "r1", "", now)), ErrorCode::NotFound);
}

TEST_F(AdminTest, ForbidPublish) {
  publish_live(1, "alice");
  Outcome out = rooms.forbid_publish(kApp, "r1", "alice", true, now);
  ASSERT_TRUE(out.ok());
  EXPECT_THAT(notes(out, 1), ElementsAre(n_failed("alice", "publishing forbidden")));
  EXPECT_THAT(notes(out, 2), ElementsAre(n_stream(NK::StreamRemoved, "alice")));
  EXPECT_EQ(effects<CloseStream>(out).size(), 1u);
  EXPECT_EQ(effects<RevokeUrl>(out).size(), 1u);
  Outcome again = rooms.publish(1, StreamKind::Main, now);
  EXPECT_EQ(code(again), ErrorCode::PublishError);
  EXPECT_EQ(again.error->message, "publishing forbidden by the administrator");
  // Media pushed anyway (with some other URL) is closed.
  EXPECT_EQ(effects<CloseStream>(rooms.media_started(sid_of("alice"), true, true, now)).size(), 1u);
  // It survives a rejoin, and shows in the view.
  must_join(3, "alice");
  EXPECT_EQ(code(rooms.publish(3, StreamKind::Main, now)), ErrorCode::PublishError);
  EXPECT_THAT(rooms.room(kApp, "r1")->publish_forbidden, ElementsAre("alice"));
  ASSERT_TRUE(rooms.forbid_publish(kApp, "r1", "alice", false, now).ok());
  EXPECT_TRUE(rooms.publish(3, StreamKind::Main, now).ok());
  // A user not (yet) in the room can be forbidden; unknown room is NOT_FOUND.
  EXPECT_TRUE(rooms.forbid_publish(kApp, "r1", "later", true, now).ok());
  EXPECT_EQ(code(rooms.forbid_publish(kApp, "zz", "x", true, now)), ErrorCode::NotFound);
}

TEST_F(AdminTest, FatalReportsSendStreamFailedToReporter) {
  publish_live(1, "alice");
  ClientReport push_state{ClientReport::Type::PusherState, "", false, -1307, "net down", "", 0};
  ClientReport play_state{ClientReport::Type::PlayerState, "alice", false, -2301, "lost", "", 0};
  std::vector<ClientReport> a{push_state};
  Outcome out = rooms.report("token-1", a, now);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(std::get<ReportReply>(out.result).accepted, 1u);
  EXPECT_THAT(notes(out, 1), ElementsAre(n_failed("alice", "pusher state -1307")));
  EXPECT_THAT(notes(out, 2), IsEmpty());
  EXPECT_TRUE(rooms.room(kApp, "r1")->members[0].publications[0].failed);

  std::vector<ClientReport> b{play_state};
  out = rooms.report("token-2", b, now);
  EXPECT_THAT(notes(out, 2), ElementsAre(n_failed("alice", "player state -2301")));
  EXPECT_THAT(notes(out, 1), IsEmpty());
}

TEST_F(AdminTest, ReportsKeepLatestQuality) {
  std::vector<ClientReport> r{
      {ClientReport::Type::PusherState, "", false, 1008, "start", "", 0},
      {ClientReport::Type::PusherNet, "", false, 0, "", R"({"videoBitrate":480})", 0},
      {ClientReport::Type::PusherState, "", false, 1002, "pushing", "", 0},
      {ClientReport::Type::PlayerState, "bob", true, 2004, "playing", "", 0},
      {ClientReport::Type::PlayerNet, "bob", true, 0, "", R"({"fps":15})", 0},
      {ClientReport::Type::PlayerNet, "bad id", false, 0, "", "{}", 0},  // refused
  };
  Outcome out = rooms.report("token-1", r, now);
  EXPECT_EQ(std::get<ReportReply>(out.result).accepted, 5u);
  EXPECT_THAT(out.notifications, IsEmpty());
  auto view = rooms.room(kApp, "r1");
  const MemberView& alice = view->members[0];
  ASSERT_EQ(alice.pusher_quality.size(), 1u);
  EXPECT_EQ(alice.pusher_quality[0].code, 1002);
  EXPECT_EQ(alice.pusher_quality[0].message, "pushing");
  EXPECT_EQ(alice.pusher_quality[0].net_info_json, R"({"videoBitrate":480})");
  EXPECT_EQ(alice.pusher_quality[0].state_time_ms, now);
  ASSERT_EQ(alice.player_quality.size(), 1u);
  EXPECT_EQ(alice.player_quality[0].uid, "bob");
  EXPECT_TRUE(alice.player_quality[0].screen);
  EXPECT_EQ(alice.player_quality[0].code, 2004);
  EXPECT_EQ(alice.player_quality[0].net_info_json, R"({"fps":15})");

  EXPECT_EQ(code(rooms.report("nope", r, now)), ErrorCode::NotFound);
  EXPECT_TRUE(rooms.has_session_token("token-1"));
  EXPECT_FALSE(rooms.has_session_token("nope"));
}

TEST_F(AdminTest, PlayerQualityEntriesAreBounded) {
  std::vector<ClientReport> r;
  for (int i = 0; i < 40; ++i)
    r.push_back({ClientReport::Type::PlayerState, "u" + std::to_string(i), false, 1, "", "", 0});
  Outcome out = rooms.report("token-1", r, now);
  EXPECT_EQ(std::get<ReportReply>(out.result).accepted, 32u);
  EXPECT_EQ(rooms.room(kApp, "r1")->members[0].player_quality.size(), 32u);
}

TEST_F(AdminTest, ReportsFromDetachedMemberAreKeptButNotNotified) {
  publish_live(1, "alice");
  ASSERT_TRUE(rooms.socket_closed(1, now).ok());
  std::vector<ClientReport> r{{ClientReport::Type::PusherState, "", false, -1307, "", "", 0}};
  Outcome out = rooms.report("token-1", r, now);
  EXPECT_TRUE(out.ok());
  EXPECT_THAT(out.notifications, IsEmpty());
}

TEST_F(AdminTest, ViewsAndCounts) {
  publish_live(1, "alice");
  ASSERT_TRUE(subscribe(2, "alice").ok());
  must_join(3, "ghost", false);
  ASSERT_TRUE(rooms.socket_closed(3, now).ok());
  ASSERT_TRUE(rooms.media_started(sid_of("cam"), false, true, now).ok());
  must_join(4, "zed", true, "r2");

  auto list = rooms.list_rooms(kApp);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].room_id, "r1");
  EXPECT_EQ(list[0].users, 4u);
  EXPECT_EQ(list[0].visible_users, 3u);
  EXPECT_EQ(list[0].invisible_users, 1u);
  EXPECT_EQ(list[0].publications, 2u);
  EXPECT_EQ(list[0].live_streams, 2u);
  EXPECT_EQ(list[0].subscribed_streams, 1u);
  EXPECT_EQ(list[0].subscriptions, 1u);
  EXPECT_EQ(list[0].created_ms, now);
  EXPECT_TRUE(rooms.list_rooms("unknownappidunknownappid").empty());

  auto view = rooms.room(kApp, "r1");
  ASSERT_TRUE(view.has_value());
  ASSERT_EQ(view->members.size(), 4u);
  EXPECT_EQ(view->members[0].user_id, "alice");
  EXPECT_EQ(view->members[0].state, MemberState::Connected);
  ASSERT_EQ(view->members[0].publications.size(), 1u);
  EXPECT_TRUE(view->members[0].publications[0].live);
  EXPECT_TRUE(view->members[0].publications[0].signalled);
  ASSERT_EQ(view->members[1].subscriptions.size(), 1u);
  EXPECT_EQ(view->members[1].subscriptions[0].uid, "alice");
  EXPECT_EQ(view->members[2].state, MemberState::Detached);
  EXPECT_FALSE(view->members[2].visible);
  EXPECT_EQ(view->members[3].state, MemberState::MediaOnly);
  EXPECT_FALSE(rooms.room(kApp, "nope").has_value());

  Counts c = rooms.counts();
  EXPECT_EQ(c.apps, 1u);
  EXPECT_EQ(c.rooms, 2u);
  EXPECT_EQ(c.members, 5u);
  EXPECT_EQ(c.connected, 3u);
  EXPECT_EQ(c.detached, 1u);
  EXPECT_EQ(c.media_only, 1u);
  EXPECT_EQ(c.publications, 2u);
  EXPECT_EQ(c.live_streams, 2u);
  EXPECT_EQ(c.subscriptions, 1u);
}

TEST(RoomNames, Strings) {
  EXPECT_EQ(method_name(NK::PeerOnline), "peerOnline");
  EXPECT_EQ(method_name(NK::PeerLeave), "peerLeave");
  EXPECT_EQ(method_name(NK::StreamAdded), "streamAdded");
  EXPECT_EQ(method_name(NK::StreamRemoved), "streamRemoved");
  EXPECT_EQ(method_name(NK::UpdateUrl), "updateUrl");
  EXPECT_EQ(method_name(NK::StreamFailed), "streamFailed");
  EXPECT_EQ(method_name(NK::MuteAudio), "muteAudio");
  EXPECT_EQ(method_name(NK::UnmuteAudio), "unmuteAudio");
  EXPECT_EQ(method_name(NK::MuteVideo), "muteVideo");
  EXPECT_EQ(method_name(NK::UnmuteVideo), "unmuteVideo");
  EXPECT_EQ(method_name(NK::ClientBanned), "clientBanned");
  EXPECT_EQ(to_string(PlayFormat::Rtmp), "rtmp");
  EXPECT_EQ(to_string(PlayFormat::Flv), "flv");
  EXPECT_EQ(to_string(MemberState::MediaOnly), "mediaOnly");
}

}  // namespace
}  // namespace minirtc::room::testing
