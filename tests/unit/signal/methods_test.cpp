// Every method through the dispatcher: exact results, param validation, wrong-state codes and
// the exact JSON of notifications.

#include "signal_fixture.hpp"

namespace minirtc::signal::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

const std::string kJoinResult =
    R"({"sessionToken":"token-1","roomId":"r1","userId":"alice","pingInterval":10000,)"
    R"("sessionTimeout":30000,"resumeWindow":20000})";

TEST_F(SignalTest, JoinExactResultAndNotifications) {
  EXPECT_EQ(join(1, "alice",
                 R"(,"visible":true,"businessId":"","sdk":{"name":"miniapp","version":"1.0"})"),
            ok(1, kJoinResult));
  EXPECT_THAT(last.messages, IsEmpty());
  join(2, "bob");
  EXPECT_THAT(texts_to(1), ElementsAre(note("peerOnline", R"({"uid":"bob"})")));
  EXPECT_THAT(texts_to(2), ElementsAre(note("peerOnline", R"({"uid":"alice"})")));
  auto view = rooms.room(kApp, "r1");
  EXPECT_EQ(view->members[0].sdk_name, "miniapp");
  EXPECT_EQ(view->members[0].sdk_version, "1.0");
}

/// A node that names its report URL (every server does: docs/protocol.md §4.2).
class SignalWithReportUrl : public SignalTest {
 protected:
  static DispatcherConfig with_url() {
    DispatcherConfig c;
    c.report_url = "https://rtc.example.com/n2/v1/report";
    return c;
  }
  SignalWithReportUrl() : SignalTest({}, with_url()) {}
};

TEST_F(SignalWithReportUrl, JoinAndResumeResultsNameTheReportUrl) {
  const std::string tail = R"(,"reportUrl":"https://rtc.example.com/n2/v1/report"})";
  EXPECT_EQ(join(1, "alice"), ok(1, kJoinResult.substr(0, kJoinResult.size() - 1) + tail));
  dispatcher.on_socket_closed(1, now);
  auto r = dispatcher.on_text(
      2, R"({"jsonrpc":"2.0","id":5,"method":"resume","params":{"sessionToken":"token-1"}})", now);
  ASSERT_TRUE(r.reply);
  EXPECT_NE(
      r.reply->find(R"("subscriptions":[],"reportUrl":"https://rtc.example.com/n2/v1/report"})"),
      std::string::npos)
      << *r.reply;
}

TEST_F(SignalTest, RoomEventsPassThroughForObservers) {
  join(1, "alice");
  ASSERT_EQ(last.events.size(), 2u);
  EXPECT_EQ(last.events[0].kind, room::EventKind::RoomCreated);
  EXPECT_EQ(last.events[1].kind, room::EventKind::UserJoined);
  EXPECT_EQ(last.events[1].user_id, "alice");
  const StreamId enc{kApp, "r1", "enc", StreamKind::Main};
  EXPECT_EQ(dispatcher.on_media_started(enc, true, true, now).events.back().kind,
            room::EventKind::StreamStarted);
  auto lost = dispatcher.on_media_stopped(enc, now, "peer closed", true);
  ASSERT_EQ(lost.events.size(), 1u);
  EXPECT_EQ(lost.events[0].kind, room::EventKind::StreamFailed);
  EXPECT_EQ(lost.events[0].reason, "peer closed");
}

TEST_F(SignalTest, JoinTokenFailuresAreJoinRoomErrors) {
  EXPECT_EQ(join(1, "alice", "", "token expired"), err(1, 300008, "token expired"));
  EXPECT_EQ(join(1, "alice", "", "bad signature"), err(1, 300008, "bad signature"));
  EXPECT_FALSE(rooms.is_joined(1));
}

TEST_F(SignalTest, JoinParamValidation) {
  auto j = [&](std::string_view params) { return call(1, "join", params); };
  const std::string app = R"("appId":")" + kApp + "\"";
  EXPECT_EQ(j("{}"), err(1, 100001, "appId must be 24 characters of [a-zA-Z0-9]"));
  EXPECT_EQ(j(R"({"appId":"short","token":"ok","roomId":"r","userId":"u"})"),
            err(1, 100001, "appId must be 24 characters of [a-zA-Z0-9]"));
  EXPECT_EQ(j(R"({"appId":7,"token":"ok","roomId":"r","userId":"u"})"),
            err(1, 100001, "appId must be a string"));
  EXPECT_EQ(j("{" + app + R"(,"roomId":"r","userId":"u"})"), err(1, 100001, "token is required"));
  EXPECT_EQ(j("{" + app + R"(,"token":"","roomId":"r","userId":"u"})"),
            err(1, 100001, "token is required"));
  EXPECT_EQ(j("{" + app + R"(,"token":5,"roomId":"r","userId":"u"})"),
            err(1, 100001, "token must be a string"));
  EXPECT_EQ(j("{" + app + R"(,"token":"ok","userId":"u"})"), err(1, 100001, "roomId is required"));
  EXPECT_EQ(j("{" + app + R"(,"token":"ok","roomId":"a b","userId":"u"})"),
            err(1, 100001, "roomId must be 1-128 characters of [a-zA-Z0-9@_.-]"));
  EXPECT_EQ(j("{" + app + R"(,"token":"ok","roomId":"r~1","userId":"u"})"),
            err(1, 100001, "roomId must be 1-128 characters of [a-zA-Z0-9@_.-]"));
  EXPECT_EQ(j("{" + app + R"(,"token":"ok","roomId":"r"})"), err(1, 100001, "userId is required"));
  EXPECT_EQ(j("{" + app + R"(,"token":"ok","roomId":"r","userId":""})"),
            err(1, 100001, "userId must be 1-128 characters of [a-zA-Z0-9@_.-]"));
  EXPECT_EQ(
      j("{" + app + R"(,"token":"ok","roomId":"r","userId":")" + std::string(129, 'u') + "\"}"),
      err(1, 100001, "userId is too long"));
  EXPECT_EQ(j("{" + app + R"(,"token":"ok","roomId":"r","userId":"u","visible":"yes"})"),
            err(1, 100001, "visible must be a boolean"));
  EXPECT_EQ(j("{" + app + R"(,"token":"ok","roomId":"r","userId":"u","businessId":"b/1"})"),
            err(1, 100001, "businessId must be 1-128 characters of [a-zA-Z0-9@_.-]"));
  EXPECT_EQ(j("{" + app + R"(,"token":"ok","roomId":"r","userId":"u","sdk":"x"})"),
            err(1, 100001, "sdk must be an object"));
  EXPECT_EQ(j("{" + app + R"(,"token":"ok","roomId":"r","userId":"u","sdk":{"name":1}})"),
            err(1, 100001, "sdk.name must be a string"));
  EXPECT_EQ(j("{" + app + R"(,"token":"ok","roomId":"r","userId":"u","sdk":{"version":")" +
              std::string(65, 'v') + "\"}}"),
            err(1, 100001, "sdk.version is too long"));
  // null counts as absent; unknown fields are ignored.
  EXPECT_EQ(j("{" + app + R"(,"token":"ok","roomId":"r","userId":"u","visible":null,"x":[1]})"),
            ok(1, R"({"sessionToken":"token-1","roomId":"r","userId":"u","pingInterval":10000,)"
                  R"("sessionTimeout":30000,"resumeWindow":20000})"));
}

TEST_F(SignalTest, WrongStateCodes) {
  for (std::string_view m : {"leave", "publish", "unpublish", "subscribe", "unsubscribe",
                             "muteLocal", "muteRemote", "setUserVisibility"})
    EXPECT_EQ(call(1, m), err(1, 100002, "not in a room")) << m;
  join(1, "alice");
  EXPECT_EQ(join(1, "alice"), err(1, 100003, "already in a room"));
  EXPECT_EQ(call(1, "resume", R"({"sessionToken":"token-1"})"),
            err(1, 100003, "already in a room"));
  EXPECT_EQ(call(1, "unpublish"), err(1, 100006, "not published"));
  EXPECT_EQ(call(1, "muteLocal", R"({"audio":true})"), err(1, 100006, "not published"));
  EXPECT_EQ(call(1, "subscribe", R"({"userId":"bob"})"), err(1, 100007, "user not in the room"));
  EXPECT_EQ(call(1, "unsubscribe", R"({"userId":"bob"})"), err(1, 300002, "not subscribed"));
  EXPECT_EQ(call(1, "muteRemote", R"({"userId":"bob"})"), err(1, 100007, "user not in the room"));
  EXPECT_EQ(call(1, "subscribe", R"({"userId":"alice"})"), err(1, 200001, "stream not published"));
  EXPECT_EQ(call(1, "leave"), ok(1, "{}"));
  EXPECT_EQ(call(1, "leave"), err(1, 100002, "not in a room"));
}

TEST_F(SignalTest, MethodParamValidation) {
  join(1, "alice");
  EXPECT_EQ(call(1, "publish", R"({"screen":"yes"})"), err(1, 100001, "screen must be a boolean"));
  EXPECT_EQ(call(1, "unpublish", R"({"screen":1})"), err(1, 100001, "screen must be a boolean"));
  EXPECT_EQ(call(1, "subscribe", "{}"), err(1, 100001, "userId is required"));
  EXPECT_EQ(call(1, "subscribe", R"({"userId":"a b"})"),
            err(1, 100001, "userId must be 1-128 characters of [a-zA-Z0-9@_.-]"));
  EXPECT_EQ(call(1, "subscribe", R"({"userId":"alice","audio":"no"})"),
            err(1, 100001, "audio must be a boolean"));
  EXPECT_EQ(call(1, "subscribe", R"({"userId":"alice","video":0})"),
            err(1, 100001, "video must be a boolean"));
  EXPECT_EQ(call(1, "subscribe", R"({"userId":"alice","format":"hls"})"),
            err(1, 100001, R"(format must be \"rtmp\" or \"flv\")"));
  EXPECT_EQ(call(1, "subscribe", R"({"userId":"alice","format":1})"),
            err(1, 100001, R"(format must be \"rtmp\" or \"flv\")"));
  EXPECT_EQ(call(1, "unsubscribe", "{}"), err(1, 100001, "userId is required"));
  EXPECT_EQ(call(1, "unsubscribe", R"({"userId":"x","screen":"no"})"),
            err(1, 100001, "screen must be a boolean"));
  EXPECT_EQ(call(1, "muteLocal", R"({"audio":1})"), err(1, 100001, "audio must be a boolean"));
  EXPECT_EQ(call(1, "muteLocal", R"({"video":"x"})"), err(1, 100001, "video must be a boolean"));
  EXPECT_EQ(call(1, "muteRemote", R"({"audio":true})"), err(1, 100001, "userId is required"));
  EXPECT_EQ(call(1, "muteRemote", R"({"userId":"x","video":[]})"),
            err(1, 100001, "video must be a boolean"));
  EXPECT_EQ(call(1, "setUserVisibility", "{}"), err(1, 100001, "visible is required"));
  EXPECT_EQ(call(1, "setUserVisibility", R"({"visible":"true"})"),
            err(1, 100001, "visible must be a boolean"));
  EXPECT_EQ(call(2, "resume", "{}"), err(1, 100001, "sessionToken is required"));
  EXPECT_EQ(call(2, "resume", R"({"sessionToken":7})"),
            err(1, 100001, "sessionToken must be a string"));
  EXPECT_EQ(call(2, "resume", R"({"sessionToken":")" + std::string(129, 't') + "\"}"),
            err(1, 100001, "sessionToken is too long"));
}

TEST_F(SignalTest, PublishSubscribeMuteFlowExactJson) {
  join(1, "alice");
  join(2, "bob");
  EXPECT_EQ(call(1, "publish", R"({"screen":false})"),
            ok(1, R"({"url":"pub:)" + kApp + R"(~r1~alice~main#0000000000000001"})"));
  EXPECT_EQ(call(1, "publish"), err(1, 100005, "already published"));
  last =
      dispatcher.on_media_started(StreamId{kApp, "r1", "alice", StreamKind::Main}, true, true, now);
  EXPECT_THAT(
      texts_to(2),
      ElementsAre(note(
          "streamAdded",
          R"({"uid":"alice","screen":false,"streamPublishState":{"audio":true,"video":true}})")));
  EXPECT_EQ(call(2, "subscribe", R"({"userId":"alice","format":"flv","audio":false})"),
            ok(1, R"({"url":"play:flv:)" + kApp + R"(~r1~alice~main:bob#0000000000000002"})"));
  ASSERT_EQ(last.effects.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<room::SetViewerMute>(last.effects[0]));
  EXPECT_EQ(call(2, "muteRemote", R"({"userId":"alice","video":true})"), ok(1, "{}"));
  EXPECT_EQ(call(1, "muteLocal", R"({"audio":true})"), ok(1, "{}"));
  EXPECT_THAT(texts_to(2), ElementsAre(note("muteAudio", R"({"uid":"alice","screen":false})")));
  EXPECT_EQ(call(1, "muteLocal", R"({"video":true})"), ok(1, "{}"));
  EXPECT_THAT(texts_to(2), ElementsAre(note("streamRemoved", R"({"uid":"alice","screen":false})")));
  EXPECT_EQ(call(1, "muteLocal", R"({"audio":false,"video":false})"), ok(1, "{}"));
  EXPECT_THAT(
      texts_to(2),
      ElementsAre(note(
          "streamAdded",
          R"({"uid":"alice","screen":false,"streamPublishState":{"audio":true,"video":true}})")));
  EXPECT_EQ(call(1, "muteLocal", R"({"video":true})"), ok(1, "{}"));
  EXPECT_THAT(texts_to(2), ElementsAre(note("muteVideo", R"({"uid":"alice","screen":false})")));
  EXPECT_EQ(call(1, "muteLocal", R"({"video":false})"), ok(1, "{}"));
  EXPECT_THAT(texts_to(2), ElementsAre(note("unmuteVideo", R"({"uid":"alice","screen":false})")));
  EXPECT_EQ(call(2, "unsubscribe", R"({"userId":"alice"})"), ok(1, "{}"));
  EXPECT_EQ(call(1, "unpublish"), ok(1, "{}"));
  EXPECT_THAT(texts_to(2), ElementsAre(note("streamRemoved", R"({"uid":"alice","screen":false})")));
  EXPECT_EQ(call(1, "setUserVisibility", R"({"visible":false})"), ok(1, "{}"));
  EXPECT_THAT(texts_to(2), ElementsAre(note("peerLeave", R"({"uid":"alice"})")));
  EXPECT_EQ(call(1, "publish"), err(1, 300006, "invisible users cannot publish"));
}

TEST_F(SignalTest, PrivilegesThroughTheChecker) {
  join(1, "alice", "", "nopub");
  EXPECT_EQ(call(1, "publish"), err(1, 300006, "token has no publish privilege"));
  join(2, "bob", "", "nosub");
  EXPECT_EQ(call(2, "publish", R"({"screen":true})"),
            ok(1, R"({"url":"pub:)" + kApp + R"(~r1~bob~screen#0000000000000001"})"));
  EXPECT_EQ(call(2, "subscribe", R"({"userId":"bob","screen":true})"),
            err(1, 300001, "token has no subscribe privilege"));
}

TEST_F(SignalTest, SameUserIdBansOldSocketAndIgnoresItsLateFrames) {
  join(1, "alice");
  join(2, "alice");
  EXPECT_THAT(
      texts_to(1),
      ElementsAre(note("clientBanned", R"({"reason":"the same userId joined the room again"})")));
  ASSERT_EQ(last.closes.size(), 1u);
  EXPECT_EQ(last.closes[0].session, 1u);
  EXPECT_EQ(send(1, R"({"jsonrpc":"2.0","id":1,"method":"ping"})"), "");
  last = dispatcher.on_socket_closed(1, now);
  EXPECT_THAT(last.messages, IsEmpty());
  // A brand-new session with the same number later is a fresh session.
  EXPECT_EQ(call(1, "ping"), ok(1, R"({"time":1700000000000})"));
}

TEST_F(SignalTest, ResumeThroughDispatcher) {
  join(1, "alice");
  join(2, "bob");
  call(1, "publish");
  last = dispatcher.on_socket_closed(1, now);
  EXPECT_THAT(last.messages, IsEmpty());
  now += 5'000;
  EXPECT_EQ(
      call(3, "resume", R"({"sessionToken":"token-1"})"),
      ok(1, R"({"sessionToken":"token-1","roomId":"r1","userId":"alice","pingInterval":10000,)"
            R"("sessionTimeout":30000,"resumeWindow":20000,"publications":[{"screen":false,)"
            R"("url":"pub:)" +
                kApp + R"(~r1~alice~main#0000000000000001"}],"subscriptions":[]})"));
  EXPECT_THAT(texts_to(3), ElementsAre(note("peerOnline", R"({"uid":"bob"})")));
  EXPECT_THAT(texts_to(2), IsEmpty());
  EXPECT_EQ(call(4, "resume", R"({"sessionToken":"nope"})"),
            err(1, 300008, "unknown or expired session"));
}

TEST_F(SignalTest, TickClosesIdleUnjoinedSessionsAndRunsRoomTimers) {
  dispatcher.on_open(1, now);
  join(2, "alice");
  now += 29'999;
  call(2, "ping");
  EXPECT_THAT(dispatcher.tick(now).closes, IsEmpty());
  now += 1;
  DispatchResult r = dispatcher.tick(now);
  ASSERT_EQ(r.closes.size(), 1u);
  EXPECT_EQ(r.closes[0].session, 1u);
  EXPECT_EQ(r.closes[0].reason, "idle timeout");
  EXPECT_THAT(dispatcher.tick(now).closes, IsEmpty());  // asked once only
  // The joined one times out through the room (30 s after its last ping).
  now += 29'999;
  r = dispatcher.tick(now);
  ASSERT_EQ(r.closes.size(), 1u);
  EXPECT_EQ(r.closes[0].session, 2u);
  EXPECT_EQ(r.closes[0].reason, "session timeout");
  EXPECT_THAT(dispatcher.tick(now).closes, IsEmpty());
  EXPECT_EQ(dispatcher.session_count(), 2u);
  (void)dispatcher.on_socket_closed(1, now);
  (void)dispatcher.on_socket_closed(2, now);
  EXPECT_EQ(dispatcher.session_count(), 0u);
}

TEST_F(SignalTest, NoMediaStreamFailedJson) {
  join(1, "alice");
  call(1, "publish");
  now += 10'000;
  call(1, "ping");
  last = dispatcher.tick(now);
  EXPECT_THAT(
      texts_to(1),
      ElementsAre(note("streamFailed", R"({"uid":"alice","screen":false,"reason":"no media"})")));
}

TEST_F(SignalTest, MediaOnlyUserThroughDispatcher) {
  join(1, "alice");
  last = dispatcher.on_media_started(StreamId{kApp, "r1", "cam", StreamKind::Screen}, false, true,
                                     now);
  EXPECT_THAT(
      texts_to(1),
      ElementsAre(
          note("peerOnline", R"({"uid":"cam"})"),
          note(
              "streamAdded",
              R"({"uid":"cam","screen":true,"streamPublishState":{"audio":false,"video":true}})")));
  last = dispatcher.on_media_stopped(StreamId{kApp, "r1", "cam", StreamKind::Screen}, now);
  EXPECT_THAT(texts_to(1), ElementsAre(note("streamRemoved", R"({"uid":"cam","screen":true})")));
  // The pusher may be an encoder reconnecting: it leaves only when the grace runs out.
  now += room::Config{}.publish_no_media_timeout_ms;
  call(1, "ping");
  last = dispatcher.tick(now);
  EXPECT_THAT(texts_to(1), ElementsAre(note("peerLeave", R"({"uid":"cam"})")));
}

TEST_F(SignalTest, AdminOutcomesRender) {
  join(1, "alice");
  last = dispatcher.render(rooms.kick(kApp, "r1", "alice", "bye", now));
  EXPECT_THAT(texts_to(1), ElementsAre(note("clientBanned", R"({"reason":"bye"})")));
  ASSERT_EQ(last.closes.size(), 1u);
  EXPECT_EQ(send(1, R"({"jsonrpc":"2.0","id":1,"method":"ping"})"), "");  // closing
}

TEST(Notifications, EveryKindExactJson) {
  using K = room::NotificationKind;
  auto n = [](K k) {
    room::Notification x;
    x.kind = k;
    x.uid = "u";
    x.screen = true;
    x.audio = true;
    x.url = "rtmp://h/live/k";
    x.reason = "why";
    return render_notification(x);
  };
  const std::string p = R"({"jsonrpc":"2.0","method":)";
  EXPECT_EQ(n(K::PeerOnline), p + R"("peerOnline","params":{"uid":"u"}})");
  EXPECT_EQ(n(K::PeerLeave), p + R"("peerLeave","params":{"uid":"u"}})");
  EXPECT_EQ(
      n(K::StreamAdded),
      p + R"("streamAdded","params":{"uid":"u","screen":true,"streamPublishState":{"audio":true,"video":false}}})");
  EXPECT_EQ(n(K::StreamRemoved), p + R"("streamRemoved","params":{"uid":"u","screen":true}})");
  EXPECT_EQ(n(K::UpdateUrl),
            p + R"("updateUrl","params":{"uid":"u","screen":true,"url":"rtmp://h/live/k"}})");
  EXPECT_EQ(n(K::StreamFailed),
            p + R"("streamFailed","params":{"uid":"u","screen":true,"reason":"why"}})");
  EXPECT_EQ(n(K::MuteAudio), p + R"("muteAudio","params":{"uid":"u","screen":true}})");
  EXPECT_EQ(n(K::UnmuteAudio), p + R"("unmuteAudio","params":{"uid":"u","screen":true}})");
  EXPECT_EQ(n(K::MuteVideo), p + R"("muteVideo","params":{"uid":"u","screen":true}})");
  EXPECT_EQ(n(K::UnmuteVideo), p + R"("unmuteVideo","params":{"uid":"u","screen":true}})");
  EXPECT_EQ(n(K::ClientBanned), p + R"("clientBanned","params":{"reason":"why"}})");
}

TEST(Replies, ErrorMessagesAreEscaped) {
  EXPECT_EQ(render_error(boost::json::value(1), 300008, "bad \"token\"\n"),
            R"({"jsonrpc":"2.0","id":1,"error":{"code":300008,"message":"bad \"token\"\n"}})");
}

}  // namespace
}  // namespace minirtc::signal::testing
