// POST /v1/report parsing and ingestion; admin JSON.

#include "signal/admin_json.hpp"
#include "signal_fixture.hpp"

namespace minirtc::signal::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(ReportBody, ParsesEveryType) {
  auto b = parse_report_body(
      R"({"sessionToken":"t","reports":[)"
      R"({"type":"pusherState","code":1008,"message":"start","time":1700000000000},)"
      R"({"type":"pusherNet","info":{"videoBitrate":480,"x":[1,2]},"time":1},)"
      R"({"type":"playerState","uid":"bob","screen":true,"code":-2301,"message":"m"},)"
      R"({"type":"playerNet","uid":"bob","screen":false,"info":{}}]})",
      {});
  ASSERT_TRUE(b.ok()) << b.error().reason;
  EXPECT_EQ(b->session_token, "t");
  EXPECT_EQ(b->skipped, 0u);
  ASSERT_EQ(b->reports.size(), 4u);
  using T = room::ClientReport::Type;
  EXPECT_EQ(b->reports[0].type, T::PusherState);
  EXPECT_EQ(b->reports[0].code, 1008);
  EXPECT_EQ(b->reports[0].message, "start");
  EXPECT_EQ(b->reports[0].time_ms, 1700000000000u);
  EXPECT_EQ(b->reports[1].type, T::PusherNet);
  EXPECT_EQ(b->reports[1].info_json, R"({"videoBitrate":480,"x":[1,2]})");
  EXPECT_EQ(b->reports[2].type, T::PlayerState);
  EXPECT_EQ(b->reports[2].uid, "bob");
  EXPECT_TRUE(b->reports[2].screen);
  EXPECT_EQ(b->reports[2].code, -2301);
  EXPECT_EQ(b->reports[3].type, T::PlayerNet);
  EXPECT_EQ(b->reports[3].info_json, "{}");
}

TEST(ReportBody, BodyErrors) {
  EXPECT_EQ(parse_report_body("nope", {}).error().reason, "body is not JSON");
  EXPECT_EQ(parse_report_body("[]", {}).error().reason, "body must be an object");
  EXPECT_EQ(parse_report_body(R"({"reports":[]})", {}).error().reason, "sessionToken is required");
  EXPECT_EQ(parse_report_body(R"({"sessionToken":"","reports":[]})", {}).error().reason,
            "sessionToken is required");
  EXPECT_EQ(parse_report_body(R"({"sessionToken":"t","reports":{}})", {}).error().reason,
            "reports must be an array");
  EXPECT_EQ(parse_report_body(std::string(64 * 1024 + 1, ' '), {}).error().reason,
            "body too large");
  std::string deep = R"({"sessionToken":"t","reports":[{"type":"pusherNet","info":{"a":)";
  for (int i = 0; i < 20; ++i) deep += "[";
  for (int i = 0; i < 20; ++i) deep += "]";
  deep += "}}]}";
  EXPECT_FALSE(parse_report_body(deep, {}).ok());
}

TEST(ReportBody, TheRoomIsOptionalButBothIdsValidWhenNamed) {
  auto none = parse_report_body(R"({"sessionToken":"t","reports":[]})", {});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->app_id.empty());
  EXPECT_TRUE(none->room_id.empty());
  auto both = parse_report_body(
      R"({"sessionToken":"t","appId":"0123456789abcdef01234567","roomId":"r-1","reports":[]})", {});
  ASSERT_TRUE(both.ok()) << both.error().reason;
  EXPECT_EQ(both->app_id, "0123456789abcdef01234567");
  EXPECT_EQ(both->room_id, "r-1");
  for (const char* bad : {
           R"({"sessionToken":"t","appId":"0123456789abcdef01234567","reports":[]})",
           R"({"sessionToken":"t","roomId":"r-1","reports":[]})",
           R"({"sessionToken":"t","appId":"short","roomId":"r-1","reports":[]})",
           R"({"sessionToken":"t","appId":"0123456789abcdef01234567","roomId":"r 1","reports":[]})",
           R"({"sessionToken":"t","appId":"0123456789abcdef01234567","roomId":7,"reports":[]})",
       })
    EXPECT_EQ(parse_report_body(bad, {}).error().reason,
              "appId and roomId must both be valid ids (or both absent)")
        << bad;
}

TEST(ReportBody, BadEntriesAreSkipped) {
  auto b = parse_report_body(
      R"({"sessionToken":"t","reports":[1,{},{"type":"x"},{"type":"pusherState"},)"
      R"({"type":"pusherState","code":"1"},{"type":"pusherState","code":1.5},)"
      R"({"type":"pusherState","code":1,"message":2},{"type":"pusherNet","info":"s"},)"
      R"({"type":"playerState","code":1},{"type":"playerNet","uid":5,"info":{}},)"
      R"({"type":"pusherState","code":1,"screen":"no"},{"type":"pusherState","code":1,"time":-1},)"
      R"({"type":"pusherState","code":2.0}]})",
      {});
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->skipped, 12u);
  ASSERT_EQ(b->reports.size(), 1u);
  EXPECT_EQ(b->reports[0].code, 2);
}

TEST(ReportBody, Limits) {
  ReportLimits limits;
  limits.max_reports = 2;
  limits.max_message_bytes = 4;
  limits.max_info_bytes = 10;
  // "héé" = h(1) é(2) é(2): cut at 4 bytes must not split the second é.
  auto b = parse_report_body(
      R"({"sessionToken":"t","reports":[{"type":"pusherState","code":1,"message":"héé"},)"
      R"({"type":"pusherNet","info":{"a":"0123456789"}},{"type":"pusherState","code":1},)"
      R"({"type":"pusherState","code":3}]})",
      limits);
  ASSERT_TRUE(b.ok());
  ASSERT_EQ(b->reports.size(), 2u);
  EXPECT_EQ(b->reports[0].message, "hé");
  EXPECT_EQ(b->reports[1].code, 1);
  EXPECT_EQ(b->skipped, 2u);
}

TEST_F(SignalTest, ReportIngestion) {
  join(1, "alice");
  HttpReply r = dispatcher.on_report("x", now);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, R"({"error":"body is not JSON"})");
  r = dispatcher.on_report(R"({"sessionToken":"zzz","reports":[]})", now);
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, R"({"error":"unknown session"})");
  r = dispatcher.on_report(
      R"({"sessionToken":"token-1","reports":[{"type":"pusherState","code":-1307,"message":"x"},)"
      R"({"type":"playerNet","uid":"bob","info":{"fps":15}},{"type":"bogus"}]})",
      now);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"accepted":2})");
  ASSERT_EQ(r.dispatch.messages.size(), 1u);
  EXPECT_EQ(r.dispatch.messages[0].to, 1u);
  EXPECT_EQ(
      r.dispatch.messages[0].text,
      note("streamFailed", R"({"uid":"alice","screen":false,"reason":"pusher state -1307"})"));

  auto view = rooms.room(kApp, "r1");
  ASSERT_TRUE(view.has_value());
  const auto json = room_json(*view);
  EXPECT_NE(json.find(R"("players":[{"uid":"bob","screen":false,"state":null,"net":{"fps":15},)"),
            std::string::npos)
      << json;
  EXPECT_NE(
      json.find(R"("pusher":[{"uid":"alice","screen":false,"state":{"code":-1307,"message":"x",)"),
      std::string::npos)
      << json;
}

TEST_F(SignalTest, AdminJson) {
  join(1, "alice", R"(,"sdk":{"name":"mp","version":"2"})");
  call(1, "publish");
  (void)dispatcher.on_media_started(StreamId{kApp, "r1", "alice", StreamKind::Main}, true, true,
                                    now);
  join(2, "bob", R"(,"visible":false,"businessId":"biz")");
  call(2, "subscribe", R"({"userId":"alice","format":"flv","video":false})");
  (void)rooms.forbid_publish(kApp, "r1", "carol", true, now);

  EXPECT_EQ(rooms_json(kApp, rooms.list_rooms(kApp)),
            R"({"appId":")" + kApp +
                R"(","rooms":[{"roomId":"r1","createdMs":1700000000000,"users":2,"visibleUsers":1,)"
                R"("invisibleUsers":1,"publications":1,"liveStreams":1,"subscribedStreams":1,)"
                R"("subscriptions":1}]})");
  EXPECT_EQ(rooms_json("nobodynobodynobodynobody", rooms.list_rooms("nobodynobodynobodynobody")),
            R"({"appId":"nobodynobodynobodynobody","rooms":[]})");
  EXPECT_EQ(room_json(*rooms.room(kApp, "r1")),
            R"({"appId":")" + kApp +
                R"(","roomId":"r1","createdMs":1700000000000,"users":2,"visibleUsers":1,)"
                R"("invisibleUsers":1,"publications":1,"liveStreams":1,"subscribedStreams":1,)"
                R"("subscriptions":1,"publishForbidden":["carol"],"members":[)"
                R"({"userId":"alice","state":"connected","visible":true,"businessId":"",)"
                R"("sdk":{"name":"mp","version":"2"},"joinedMs":1700000000000,"publications":[)"
                R"({"screen":false,"live":true,"hasAudio":true,"hasVideo":true,"muteAudio":false,)"
                R"("muteVideo":false,"failed":false,"signalled":true,"sinceMs":1700000000000}],)"
                R"("subscriptions":[],"quality":{"pusher":[],"players":[]}},)"
                R"({"userId":"bob","state":"connected","visible":false,"businessId":"biz",)"
                R"("sdk":{"name":"","version":""},"joinedMs":1700000000000,"publications":[],)"
                R"("subscriptions":[{"userId":"alice","screen":false,"format":"flv",)"
                R"("muteAudio":false,"muteVideo":true}],"quality":{"pusher":[],"players":[]}}]})");
  EXPECT_EQ(counts_json(rooms.counts()),
            R"({"apps":1,"rooms":1,"members":2,"connected":2,"detached":0,"mediaOnly":0,)"
            R"("publications":1,"liveStreams":1,"subscriptions":1})");
  EXPECT_EQ(error_json("no such room"), R"({"error":"no such room"})");
}

}  // namespace
}  // namespace minirtc::signal::testing
