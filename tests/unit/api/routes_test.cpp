// Every built-in route (api/routes.hpp) through the router, over a real RoomService: status codes,
// messages and JSON shapes as docs/protocol.md and docs/operations.md give them, and the effects
// left for the I/O layer.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "api_fixture.hpp"
#include "auth/access_token.hpp"
#include "signal/admin_json.hpp"

namespace minirtc::api::testing {
namespace {

namespace json = boost::json;
using room::NotificationKind;
using ::testing::HasSubstr;

std::string app_path(std::string_view rest) {
  return "/v1/admin/apps/" + kApp + std::string(rest);
}

/// The room::Outcome effects of a reply.
std::vector<room::Outcome> outcomes(const Reply& r) {
  std::vector<room::Outcome> v;
  for (const auto& e : r.effects)
    if (auto* o = std::get_if<room::Outcome>(&e)) v.push_back(*o);
  return v;
}

bool banned(const room::Outcome& out, room::SessionId to, std::string_view reason) {
  for (const auto& n : out.notifications)
    if (n.to == to && n.notification.kind == NotificationKind::ClientBanned &&
        n.notification.reason == reason)
      return true;
  return false;
}

// ---- The route table.

TEST_F(ApiTest, EveryPathHasItsMethods) {
  const std::vector<std::pair<std::string, std::string>> table{
      {"/healthz", "GET, HEAD"},
      {"/metrics", "GET, HEAD"},
      {"/v1/config", "GET"},
      {"/v1/report", "POST"},
      {"/v1/dev/token", "GET"},
      {"/v1/signal", "GET"},
      {"/live/app_room_user_main.flv", "GET"},
      {"/live/a/b.flv", "GET"},  // its key is refused (403), not the method
      {"/v1/admin/apps", "GET"},
      {"/v1/admin/streams", "GET"},
      {"/v1/admin/urls/0123456789abcdef/revoke", "POST"},
      {"/v1/admin/apps/A/rooms", "GET"},
      {"/v1/admin/apps/A/rooms/r1", "GET"},
      {"/v1/admin/apps/A/rooms/r1/dismiss", "POST"},
      {"/v1/admin/apps/A/rooms/r1/users/u/kick", "POST"},
      {"/v1/admin/apps/A/rooms/r1/users/u/forbid-publish", "POST"},
  };
  for (const auto& [path, allow] : table) {
    EXPECT_EQ(router.allowed_methods(path), allow) << path;
    for (const char* m : {"PUT", "DELETE", "PATCH", "BREW", "PROPFIND"}) {
      Reply r = admin(m, path);
      EXPECT_EQ(r.status, 405u) << m << " " << path;
      EXPECT_EQ(r.allow, allow) << path;
    }
    Reply pre = request("OPTIONS", path);
    EXPECT_EQ(pre.status, 204u) << path;
    EXPECT_EQ(pre.allow, allow) << path;
  }
  for (const char* p :
       {"", "healthz", "/", "/healthz/", "/healthz/x", "/v1", "/v1/admin", "/v1/admin/",
        "/v1/admin/urls//revoke", "/v1/admin/urls/n", "/v1/admin/urls/n/revoke/x",
        "/v1/admin/apps/A/rooms/r1/users/u", "/v1/admin/apps/A/rooms/r1/users/u/ban",
        "/v1/admin/apps//rooms", "/live/.flv", "/live/x.mp4", "/nope"}) {
    EXPECT_EQ(router.allowed_methods(p), "") << p;
    EXPECT_EQ(admin("GET", p).body, error_body("no such route")) << p;
  }
}

// ---- Core routes.

TEST_F(ApiTest, HealthzAndMetrics) {
  Reply h = request("GET", "/healthz?%zz");  // the query is not read
  EXPECT_EQ(h.status, 200u);
  EXPECT_EQ(h.body, R"({"ok":true})");
  EXPECT_EQ(request("HEAD", "/healthz").body, R"({"ok":true})");  // the I/O layer drops it
  Reply m = request("GET", "/metrics");
  EXPECT_EQ(m.status, 200u);
  EXPECT_EQ(m.content_type, "text/plain; version=0.0.4");
  EXPECT_EQ(m.body, services.metrics_text());
}

TEST_F(ApiTest, SignalWithoutUpgradeIs426) {
  Reply r = request("GET", "/v1/signal");
  EXPECT_EQ(r.status, 426u);
  EXPECT_EQ(r.body, error_body("signalling needs a WebSocket upgrade"));
}

TEST_F(ApiTest, FlvPathNotHandedOverIs403WithTheReason) {
  Reply r = request("GET", "/live/a~b~c~main.flv?n=%zz");
  EXPECT_EQ(r.status, 403u);
  EXPECT_EQ(r.body, error_body("no URL for a~b~c~main with n=%zz"));
  EXPECT_EQ(request("GET", "/live/a/b.flv").body, error_body("no URL for a/b with "));
}

// ---- /v1/config.

TEST_F(ApiTest, ConfigListsSignalAndReportUrls) {
  Reply r = request("GET", "/v1/config?appId=" + kApp);
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body, R"({"appId":")" + kApp +
                        R"(","signalUrls":["ws://127.0.0.1:8080/v1/signal"],)"
                        R"("reportUrl":"http://127.0.0.1:8080/v1/report"})");
  services.base = "https://rtc.example.com";
  EXPECT_EQ(json::parse(request("GET", "/v1/config?appId=" + kApp).body),
            json::parse(R"({"appId":")" + kApp +
                        R"(","signalUrls":["wss://rtc.example.com/v1/signal"],)"
                        R"("reportUrl":"https://rtc.example.com/v1/report"})"));
}

TEST_F(ApiTest, ConfigErrors) {
  for (const char* t : {"/v1/config", "/v1/config?appId=", "/v1/config?appid=x"}) {
    Reply r = request("GET", t);
    EXPECT_EQ(r.status, 400u) << t;
    EXPECT_EQ(r.body, error_body("appId is required")) << t;
  }
  Reply unknown = request("GET", "/v1/config?appId=nobody");
  EXPECT_EQ(unknown.status, 404u);
  EXPECT_EQ(unknown.body, error_body("unknown appId"));
  EXPECT_EQ(unknown.rejected, "config_unknown_app");
  Reply bad = request("GET", "/v1/config?appId=%4");
  EXPECT_EQ(bad.status, 400u);
  EXPECT_EQ(bad.body, error_body("malformed query string"));
}

// ---- /v1/report.

TEST_F(ApiTest, ReportIsAcceptedAndItsNotificationsAreEffects) {
  join(1, "alice");
  Reply r = request("POST", "/v1/report",
                    R"({"sessionToken":"token-1","reports":[{"type":"pusherState","code":-1307,)"
                    R"("message":"x"}]})");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, R"({"accepted":1})");
  EXPECT_TRUE(r.rejected.empty());
  ASSERT_EQ(r.effects.size(), 1u);
  const auto& d = std::get<signal::DispatchResult>(r.effects[0]);
  ASSERT_EQ(d.messages.size(), 1u);
  EXPECT_EQ(d.messages[0].to, 1u);
  EXPECT_THAT(d.messages[0].text, HasSubstr("streamFailed"));
}

TEST_F(ApiTest, ReportRefusals) {
  Reply garbage = request("POST", "/v1/report", "x");
  EXPECT_EQ(garbage.status, 400u);
  EXPECT_EQ(garbage.body, error_body("body is not JSON"));
  EXPECT_EQ(garbage.rejected, "report_refused");
  Reply unknown = request("POST", "/v1/report", R"({"sessionToken":"zzz","reports":[]})");
  EXPECT_EQ(unknown.status, 404u);
  EXPECT_EQ(unknown.body, error_body("unknown session"));
  EXPECT_EQ(unknown.rejected, "report_refused");
  // The report parser's own limit answers, not the router's.
  Reply big = request("POST", "/v1/report", std::string(64 * 1024 + 1, ' '));
  EXPECT_EQ(big.status, 400u);
  EXPECT_EQ(big.body, error_body("body too large"));
}

/// How many ForwardReport effects `r` carries.
std::size_t forwards(const Reply& r) {
  std::size_t n = 0;
  for (const auto& e : r.effects) n += std::holds_alternative<ForwardReport>(e) ? 1 : 0;
  return n;
}

TEST_F(ApiTest, ForwardedReportsOverTheClientsOrTheNodesLimitAre429) {
  services.self = "n1";
  Services::RemoteRoom far;
  far.node = {"n2", "http://10.0.0.2:8080/n2"};
  far.summary.app_id = kApp;
  far.summary.room_id = "r9";
  services.elsewhere.push_back(far);
  const std::string body = R"({"sessionToken":"theirs","appId":")" + kApp +
                           R"(","roomId":"r9","reports":[{"type":"pusherState","code":1}]})";
  ForwardLimits l;
  l.client_rate_per_s = 1;
  l.client_burst = 2;
  l.node_rate_per_s = 100;
  l.node_burst = 3;
  services.forwards = ForwardLimiter(l);
  client = "10.0.0.1";
  EXPECT_EQ(request("POST", "/v1/report", body).status, 202u);
  EXPECT_EQ(request("POST", "/v1/report", body).status, 202u);
  Reply over = request("POST", "/v1/report", body);
  EXPECT_EQ(over.status, 429u);
  EXPECT_EQ(over.body,
            error_body("too many reports for sessions on other nodes from this address: retry "
                       "after 1 s"));
  EXPECT_EQ(over.rejected, "report_forward_client_limit");
  EXPECT_TRUE(over.effects.empty());
  ASSERT_EQ(over.headers.size(), 1u);
  EXPECT_EQ(over.headers[0], (std::pair<std::string, std::string>{"Retry-After", "1"}));
  ASSERT_TRUE(over.log);
  EXPECT_THAT(over.log->text, HasSubstr("not forwarded to node n2: client address limit"));

  // Another address: its own bucket, until the node's is empty (3 in all).
  client = "10.0.0.2";
  EXPECT_EQ(request("POST", "/v1/report", body).status, 202u);
  Reply node_over = request("POST", "/v1/report", body);
  EXPECT_EQ(node_over.status, 429u);
  EXPECT_EQ(node_over.rejected, "report_forward_node_limit");
  EXPECT_THAT(node_over.body, HasSubstr("on this node"));

  // Reports applied here, or refused here, are not limited: only forwards are.
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(
        request("POST", "/v1/report",
                R"({"sessionToken":"zzz","appId":")" + kApp + R"(","roomId":"r7","reports":[]})")
            .status,
        404u);
  // A second later the client has a token again, and the node.
  now += 1000;
  client = "10.0.0.1";
  EXPECT_EQ(request("POST", "/v1/report", body).status, 202u);
}

TEST_F(ApiTest, ClusterReportForASessionHeldElsewhereIsForwardedToTheRoomsNode) {
  join(1, "alice");  // r1 is here
  services.self = "n1";
  Services::RemoteRoom far;
  far.node = {"n2", "http://10.0.0.2:8080/n2"};
  far.summary.app_id = kApp;
  far.summary.room_id = "r9";
  services.elsewhere.push_back(far);
  const std::string body = R"({"sessionToken":"theirs","appId":")" + kApp +
                           R"(","roomId":"r9","reports":[{"type":"pusherState","code":1}]})";
  Reply r = request("POST", "/v1/report", body);
  EXPECT_EQ(r.status, 202u);
  EXPECT_EQ(r.body, R"({"forwarded":"n2"})");
  EXPECT_TRUE(r.rejected.empty());
  ASSERT_EQ(r.effects.size(), 1u);
  const auto& f = std::get<ForwardReport>(r.effects[0]);
  EXPECT_EQ(f.node_id, "n2");
  EXPECT_EQ(f.body, body);  // as sent: the room's node checks the session token

  // A room no live node holds: 404 with the reason, nothing forwarded.
  Reply gone =
      request("POST", "/v1/report",
              R"({"sessionToken":"theirs","appId":")" + kApp + R"(","roomId":"r7","reports":[]})");
  EXPECT_EQ(gone.status, 404u);
  EXPECT_EQ(gone.body, error_body("unknown session: no live node holds room " + kApp + "/r7"));
  EXPECT_EQ(gone.rejected, "report_refused");
  EXPECT_TRUE(gone.effects.empty());

  // The room is here but the session is not: the plain 404, nothing forwarded.
  Reply here =
      request("POST", "/v1/report",
              R"({"sessionToken":"zzz","appId":")" + kApp + R"(","roomId":"r1","reports":[]})");
  EXPECT_EQ(here.status, 404u);
  EXPECT_EQ(here.body, error_body("unknown session"));
  EXPECT_EQ(forwards(here), 0u);

  // Without the room (an SDK from before clusters): the plain 404 as on one node.
  Reply old = request("POST", "/v1/report", R"({"sessionToken":"theirs","reports":[]})");
  EXPECT_EQ(old.status, 404u);
  EXPECT_EQ(old.body, error_body("unknown session"));
  EXPECT_EQ(forwards(old), 0u);

  // A session known here is applied here even when the body names another room.
  Reply mine = request("POST", "/v1/report",
                       R"({"sessionToken":"token-1","appId":")" + kApp +
                           R"(","roomId":"r9","reports":[{"type":"pusherState","code":1}]})");
  EXPECT_EQ(mine.status, 200u);
  EXPECT_EQ(mine.body, R"({"accepted":1})");
}

TEST_F(ApiTest, ReportForwardingIsClusterOnly) {
  Services::RemoteRoom far;  // listed, but this node is not in a cluster
  far.node = {"n2", "http://10.0.0.2:8080/n2"};
  far.summary.app_id = kApp;
  far.summary.room_id = "r9";
  services.elsewhere.push_back(far);
  Reply r =
      request("POST", "/v1/report",
              R"({"sessionToken":"theirs","appId":")" + kApp + R"(","roomId":"r9","reports":[]})");
  EXPECT_EQ(r.status, 404u);
  EXPECT_EQ(r.body, error_body("unknown session"));
  EXPECT_EQ(forwards(r), 0u);
}

// ---- /v1/dev/token.

TEST_F(ApiTest, DevTokenForTheDevelopmentAppVerifies) {
  for (const std::string& target :
       std::vector<std::string>{"/v1/dev/token?roomId=r1&userId=alice",
                                "/v1/dev/token?appId=" + kDevApp + "&roomId=r1&userId=alice"}) {
    Reply r = request("GET", target);
    ASSERT_EQ(r.status, 200u) << target << r.body;
    auto o = json::parse(r.body).as_object();
    EXPECT_EQ(o.at("appId").as_string(), kDevApp);
    const auto expire = static_cast<std::uint32_t>(now / 1000) + 24 * 3600;
    EXPECT_EQ(o.at("expireAt").to_number<std::uint32_t>(), expire);
    const std::string token(o.at("token").as_string());
    const auto now_s = static_cast<std::uint32_t>(now / 1000);
    for (auto action :
         {auth::TokenAction::Join, auth::TokenAction::Publish, auth::TokenAction::Subscribe}) {
      auto checked = auth::check_token(token, kDevApp, "dev-key", "r1", "alice", action, now_s);
      ASSERT_TRUE(checked.ok()) << checked.error().reason;
      EXPECT_EQ(checked->nonce, 0x2au);
      EXPECT_EQ(checked->expire_at, expire);
    }
    EXPECT_FALSE(
        auth::check_token(token, kDevApp, "dev-key", "r1", "bob", auth::TokenAction::Join, now_s)
            .ok());
    ASSERT_TRUE(r.log.has_value());
    EXPECT_EQ(r.log->level, LogLine::Level::Warn);
    EXPECT_EQ(r.log->text, "DEV TOKEN handed out: app=" + kDevApp +
                               " room=r1 user=alice (development app only)");
  }
}

TEST_F(ApiTest, DevTokenRefusals) {
  const std::string dev_only = "development tokens exist only for the embedded default's app";
  Reply other = request("GET", "/v1/dev/token?appId=" + kApp + "&roomId=r1&userId=alice");
  EXPECT_EQ(other.status, 403u);
  EXPECT_EQ(other.body, error_body(dev_only));
  EXPECT_FALSE(other.log.has_value());
  EXPECT_EQ(request("GET", "/v1/dev/token?appId=nobody&roomId=r1&userId=a").status, 403u);

  const std::string ids = "roomId and userId are required: 1-128 characters [a-zA-Z0-9@_.-]";
  for (const std::string& q : std::vector<std::string>{
           "", "roomId=r1", "userId=u", "roomId=&userId=u", "roomId=r1&userId=a%20b",
           "roomId=r%2F1&userId=u", "roomId=r1&userId=" + std::string(129, 'u')}) {
    Reply r = request("GET", "/v1/dev/token?" + q);
    EXPECT_EQ(r.status, 400u) << q;
    EXPECT_EQ(r.body, error_body(ids)) << q;
  }
  EXPECT_EQ(request("GET", "/v1/dev/token?roomId=r1&userId=" + std::string(128, 'u')).status, 200u);

  services.app_list.pop_back();  // no development app configured
  Reply none = request("GET", "/v1/dev/token?roomId=r1&userId=alice");
  EXPECT_EQ(none.status, 403u);
  EXPECT_EQ(none.body, error_body(dev_only));
}

// ---- Admin auth on every admin route.

TEST_F(ApiTest, EveryAdminRouteNeedsTheKey) {
  join(1, "alice");
  const std::vector<std::pair<std::string, std::string>> routes{
      {"GET", "/v1/admin/apps"},
      {"GET", "/v1/admin/streams"},
      {"POST", "/v1/admin/urls/0123456789abcdef/revoke"},
      {"POST", "/v1/admin/urls/not-a-nonce/revoke"},  // 401 before the nonce is looked at
      {"GET", app_path("/rooms")},
      {"GET", app_path("/rooms/r1")},
      {"POST", app_path("/rooms/r1/dismiss")},
      {"POST", app_path("/rooms/r1/users/alice/kick")},
      {"POST", app_path("/rooms/r1/users/alice/forbid-publish")},
      {"GET", "/v1/admin/apps/nobody/rooms"},  // 401 before the app is looked at
  };
  const std::string lower = "bearer " + kAdminKey;
  for (const auto& [method, path] : routes) {
    for (auto auth :
         {std::vector<std::string_view>{}, std::vector<std::string_view>{""},
          std::vector<std::string_view>{"Bearer wrong"}, std::vector<std::string_view>{lower},
          std::vector<std::string_view>{"Basic YWRtaW46YWRtaW4tc2VjcmV0"}}) {
      Reply r = request(method, path, "", auth);
      EXPECT_EQ(r.status, 401u) << method << " " << path;
      EXPECT_EQ(r.body, error_body("missing or wrong Bearer key"));
      EXPECT_EQ(r.rejected, "admin_unauthorized");
      EXPECT_TRUE(r.effects.empty());
    }
    Reply dup = request(method, path, "", {bearer, bearer});
    EXPECT_EQ(dup.status, 400u) << path;
    EXPECT_TRUE(dup.close);
    EXPECT_TRUE(dup.effects.empty());
  }
  EXPECT_TRUE(rooms.room(kApp, "r1").has_value());  // nothing was done

  router.set_admin_key("");
  for (const auto& [method, path] : routes) {
    Reply r = admin(method, path);
    EXPECT_EQ(r.status, 404u) << path;
    EXPECT_EQ(r.body, error_body("admin API disabled (no admin_key)"));
  }
}

// ---- /v1/admin/apps, /v1/admin/streams.

TEST_F(ApiTest, AdminAppsCountRooms) {
  join(1, "alice");
  Reply r = admin("GET", "/v1/admin/apps");
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, R"({"apps":[{"appId":")" + kApp + R"(","development":false,"rooms":1},)" +
                        R"({"appId":")" + kDevApp + R"(","development":true,"rooms":0}]})");
}

TEST_F(ApiTest, ClusterAdminListsEveryNodesRoomsWithTheirNode) {
  join(1, "alice");
  services.self = "n1";
  Services::RemoteRoom far;
  far.node = {"n2", "http://10.0.0.2:8080/n2"};
  far.summary.app_id = kApp;
  far.summary.room_id = "r9";
  far.summary.users = 3;
  services.elsewhere.push_back(far);
  auto r = admin("GET", "/v1/admin/apps/" + kApp + "/rooms");
  EXPECT_EQ(r.status, 200u);
  EXPECT_NE(r.body.find(R"("roomId":"r1",)"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"("subscriptions":0,"node":"n1"})"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"("roomId":"r9","createdMs":0,"users":3,)"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(R"("node":"n2"})"), std::string::npos) << r.body;
}

TEST_F(ApiTest, ClusterAdminCommandsAboutARoomHeldElsewhereAreRedirectedThere) {
  join(1, "alice");  // r1 is here
  services.self = "n1";
  Services::RemoteRoom far;
  far.node = {"n2", "http://10.0.0.2:8080/n2"};
  far.summary.app_id = kApp;
  far.summary.room_id = "r9";
  services.elsewhere.push_back(far);
  for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/rooms/r9"},
           {"POST", "/rooms/r9/dismiss"},
           {"POST", "/rooms/r9/users/bob/kick"},
           {"POST", "/rooms/r9/users/bob/forbid-publish"}}) {
    const auto target = "/v1/admin/apps/" + kApp + path;
    auto r = admin(method, target + "?x=1", R"({"reason":"r"})");
    EXPECT_EQ(r.status, 307u) << path;
    ASSERT_EQ(r.headers.size(), 1u);
    EXPECT_EQ(r.headers[0].first, "Location");
    EXPECT_EQ(r.headers[0].second, "http://10.0.0.2:8080/n2" + target + "?x=1");
    EXPECT_EQ(r.body, R"({"error":"the room is held by node n2","node":"n2"})");
  }
  // A room held here is answered here; one nobody holds is 404 as on one node.
  EXPECT_EQ(admin("GET", "/v1/admin/apps/" + kApp + "/rooms/r1").status, 200u);
  EXPECT_EQ(admin("GET", "/v1/admin/apps/" + kApp + "/rooms/nowhere").status, 404u);
  // Without the key, nothing is said about where a room is.
  EXPECT_EQ(request("GET", "/v1/admin/apps/" + kApp + "/rooms/r9").status, 401u);
}

TEST_F(ApiTest, AdminStreamsShowEveryStat) {
  EXPECT_EQ(admin("GET", "/v1/admin/streams").body, R"({"streams":[]})");
  media::StreamStats st;
  st.publishing = true;
  st.live = true;
  st.viewers = 3;
  st.bytes_in = 1000;
  st.bytes_out = 3000;
  st.video_kbps = 800;
  st.audio_kbps = 64;
  st.fps = 15;
  st.gop_ms = 2000;
  st.width = 640;
  st.height = 360;
  st.video_codec = "H.264 High 3.1";
  st.audio_codec = "AAC LC 44100 Hz 2 ch";
  st.video_frames = 150;
  st.audio_frames = 430;
  st.dropped_frames = 2;
  st.takeovers = 1;
  st.mute_audio = true;
  services.stream_rows.push_back({StreamId{kApp, "r1", "alice", StreamKind::Screen}, st, false});
  EXPECT_EQ(admin("GET", "/v1/admin/streams").body,
            R"({"streams":[{"stream":")" + kApp + R"(~r1~alice~screen","appId":")" + kApp +
                R"(","roomId":"r1","userId":"alice","screen":true,"publishing":true,)"
                R"("live":true,"viewers":3,"bytesIn":1000,"bytesOut":3000,"videoKbps":800,)"
                R"("audioKbps":64,"fps":15,"gopMs":2000,"width":640,"height":360,)"
                R"("videoCodec":"H.264 High 3.1","audioCodec":"AAC LC 44100 Hz 2 ch",)"
                R"("videoFrames":150,"audioFrames":430,"droppedFrames":2,"takeovers":1,)"
                R"("muteAudio":true,"muteVideo":false,"relayed":false}]})");
}

// ---- /v1/admin/streams in cluster mode: this node's part, and the fan-out to the others.

namespace {
json::value parsed(const Reply& r) {
  return json::parse(r.body);
}
media::StreamStats live_stats(std::size_t viewers) {
  media::StreamStats st;
  st.publishing = true;
  st.live = true;
  st.viewers = viewers;
  return st;
}
}  // namespace

TEST_F(ApiTest, ClusterStreamsScopeNodeListsThisNodesStreamsWithTheirNode) {
  services.self = "n1";
  services.others = {{"n2", "http://10.0.0.2:8080/n2"}};
  services.stream_rows.push_back(
      {StreamId{kApp, "r1", "alice", StreamKind::Main}, live_stats(2), false});
  // A relayed copy: the room is held by n2, so it carries its origin.
  Services::RemoteRoom far;
  far.node = {"n2", "http://10.0.0.2:8080/n2"};
  far.summary.app_id = kApp;
  far.summary.room_id = "r2";
  services.elsewhere.push_back(far);
  services.stream_rows.push_back(
      {StreamId{kApp, "r2", "bob", StreamKind::Main}, live_stats(5), true});
  Reply r = admin("GET", "/v1/admin/streams?scope=node");
  EXPECT_EQ(r.status, 200u);
  EXPECT_FALSE(r.fan_out);
  auto v = parsed(r);
  EXPECT_EQ(v.at("node"), "n1");
  const auto& s = v.at("streams").as_array();
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].at("node"), "n1");
  EXPECT_EQ(s[0].at("relayed"), false);
  EXPECT_FALSE(s[0].as_object().contains("origin"));
  EXPECT_EQ(s[1].at("node"), "n1");
  EXPECT_EQ(s[1].at("relayed"), true);
  EXPECT_EQ(s[1].at("origin"), "n2");
  EXPECT_EQ(s[1].at("viewers"), 5);
  EXPECT_EQ(admin("GET", "/v1/admin/streams?scope=everything").status, 400u);
  EXPECT_EQ(request("GET", "/v1/admin/streams?scope=node").status, 401u);
}

TEST_F(ApiTest, ClusterStreamsAskEveryOtherNodeAndMergeTheirAnswers) {
  services.self = "n1";
  services.others = {{"n2", "http://10.0.0.2:8080/n2"}, {"n3", "https://rtc.example.com/n3"}};
  services.stream_rows.push_back(
      {StreamId{kApp, "r1", "alice", StreamKind::Main}, live_stats(1), false});
  Reply r = admin("GET", "/v1/admin/streams");
  ASSERT_TRUE(r.fan_out);
  const auto& fan = *r.fan_out;
  ASSERT_EQ(fan.targets.size(), 2u);
  EXPECT_EQ(fan.targets[0].node_id, "n2");
  EXPECT_EQ(fan.targets[0].url, "http://10.0.0.2:8080/n2/v1/admin/streams?scope=node");
  EXPECT_EQ(fan.targets[1].url, "https://rtc.example.com/n3/v1/admin/streams?scope=node");
  EXPECT_GT(fan.timeout_ms, 0u);
  EXPECT_GT(fan.max_answer_bytes, 0u);

  // n2 answers with one stream (its "node" field is overwritten with the node asked); n3 is dead.
  const std::string n2 = R"({"node":"n2","streams":[{"stream":"x~r2~bob~main","viewers":4,)"
                         R"("node":"liar","relayed":false}]})";
  Reply merged = fan.finish({{200, n2, ""}, {0, "", "connect: Connection refused"}});
  EXPECT_EQ(merged.status, 200u);
  auto v = parsed(merged);
  const auto& s = v.at("streams").as_array();
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].at("node"), "n1");
  EXPECT_EQ(s[0].at("userId"), "alice");
  EXPECT_EQ(s[1].at("node"), "n2");
  EXPECT_EQ(s[1].at("viewers"), 4);
  const auto& nodes = v.at("nodes").as_array();
  ASSERT_EQ(nodes.size(), 3u);
  EXPECT_EQ(nodes[0], (json::object{{"node", "n1"}, {"streams", 1}}));
  EXPECT_EQ(nodes[1], (json::object{{"node", "n2"}, {"streams", 1}}));
  EXPECT_EQ(nodes[2].at("node"), "n3");
  EXPECT_EQ(nodes[2].at("unreachable"), true);
  EXPECT_EQ(nodes[2].at("error"), "connect: Connection refused");
  EXPECT_FALSE(v.as_object().contains("truncated"));
}

TEST_F(ApiTest, ClusterStreamsReportABadAnswerAsThatNodesErrorOnly) {
  services.self = "n1";
  services.others = {{"n2", "http://h/n2"}};
  Reply r = admin("GET", "/v1/admin/streams");
  ASSERT_TRUE(r.fan_out);
  auto error_of = [&](NodeAnswer a) -> std::string {
    auto v = parsed(r.fan_out->finish({std::move(a)}));
    const auto& n = v.at("nodes").as_array().at(1).as_object();
    EXPECT_FALSE(n.contains("streams"));
    return n.contains("error") ? std::string(n.at("error").as_string()) : "";
  };
  EXPECT_EQ(error_of({401, R"({"error":"missing or wrong Bearer key"})", ""}),
            "answered 401: missing or wrong Bearer key (is admin_key the same on every node?)");
  EXPECT_EQ(error_of({404, "not json", ""}), "answered 404");
  EXPECT_EQ(error_of({200, R"({"node":"n9","streams":[]})", ""}), "answer is node n9's, not n2's");
  EXPECT_THAT(error_of({200, "[1]", ""}), ::testing::StartsWith("answer is not a stream list"));
  EXPECT_THAT(error_of({200, R"({"node":"n2","streams":[1]})", ""}),
              ::testing::StartsWith("answer is not a stream list"));
  EXPECT_THAT(error_of({200, R"({"node":"n2","streams":[{"stream":1}]})", ""}),
              ::testing::StartsWith("answer is not a stream list"));
  EXPECT_EQ(error_of({200, "", "answer longer than 8388608 bytes: cut off"}),
            "answer longer than 8388608 bytes: cut off");
  // An answer over the size limit reached the node: not "unreachable".
  auto v = parsed(r.fan_out->finish({{200, "", "answer longer than 8388608 bytes: cut off"}}));
  EXPECT_FALSE(v.at("nodes").as_array().at(1).as_object().contains("unreachable"));
  // No answer at all (fewer answers than targets): that node is unreachable, nothing fails.
  auto none = parsed(r.fan_out->finish({}));
  EXPECT_EQ(none.at("nodes").as_array().at(1).at("unreachable"), true);
}

TEST_F(ApiTest, ClusterStreamsAreBoundedAndAloneNodeNeedsNoFanOut) {
  services.self = "n1";
  Reply alone = admin("GET", "/v1/admin/streams");
  EXPECT_FALSE(alone.fan_out);
  EXPECT_EQ(alone.body, R"({"streams":[],"nodes":[{"node":"n1","streams":0}]})");

  services.others = {{"n2", "http://h/n2"}};
  Reply r = admin("GET", "/v1/admin/streams");
  ASSERT_TRUE(r.fan_out);
  // 20,001 entries from n2: the listing stops at 20,000 and says so; the count stays whole.
  std::string big = R"({"node":"n2","streams":[)";
  for (int i = 0; i < 20001; ++i) big += std::string(i ? "," : "") + R"({"stream":"s"})";
  big += "]}";
  auto v = parsed(r.fan_out->finish({{200, big, ""}}));
  EXPECT_EQ(v.at("streams").as_array().size(), 20000u);
  EXPECT_EQ(v.at("truncated"), true);
  EXPECT_EQ(v.at("nodes").as_array().at(1).at("streams"), 20001);
}

// ---- /v1/admin/urls/{nonce}/revoke.

TEST_F(ApiTest, RevokeTakesOnlyUrlNonces) {
  Reply ok = admin("POST", "/v1/admin/urls/00000000deadbeef/revoke");
  EXPECT_EQ(ok.status, 200u);
  EXPECT_EQ(ok.body, R"({"revoked":true})");
  ASSERT_EQ(ok.effects.size(), 1u);
  const auto& revoke = std::get<RevokeUrl>(ok.effects[0]);
  EXPECT_EQ(revoke.nonce, "00000000deadbeef");
  EXPECT_EQ(revoke.reason, "URL revoked by the admin API");

  for (const char* nonce :
       {"x", "00000000DEADBEEF", "00000000deadbee", "00000000deadbeef0", "00000000deadbeeg",
        "00000000%20eadbeef", "n=00000000deadbeef", "0x000000deadbeef"}) {
    Reply r = admin("POST", std::string("/v1/admin/urls/") + nonce + "/revoke");
    EXPECT_EQ(r.status, 400u) << nonce;
    EXPECT_EQ(r.body, error_body("nonce must be 16 lower-case hex characters, as in a signed "
                                 "URL's n field"));
    EXPECT_EQ(r.rejected, "admin_bad_nonce");
    EXPECT_TRUE(r.effects.empty()) << nonce;
  }
}

// ---- The rooms of an app.

TEST_F(ApiTest, RoomListAndViewAreTheRoomServicesViews) {
  join(1, "alice");
  join(2, "bob");
  Reply list = admin("GET", app_path("/rooms"));
  EXPECT_EQ(list.status, 200u);
  EXPECT_EQ(list.body, signal::rooms_json(kApp, rooms.list_rooms(kApp)));
  EXPECT_THAT(list.body, HasSubstr(R"("roomId":"r1")"));
  EXPECT_EQ(admin("GET", "/v1/admin/apps/" + kDevApp + "/rooms").body,
            R"({"appId":")" + kDevApp + R"(","rooms":[]})");

  Reply view = admin("GET", app_path("/rooms/r1"));
  EXPECT_EQ(view.status, 200u);
  EXPECT_EQ(view.body, signal::room_json(*rooms.room(kApp, "r1")));
  EXPECT_THAT(view.body, HasSubstr(R"("userId":"bob")"));

  Reply missing = admin("GET", app_path("/rooms/r2"));
  EXPECT_EQ(missing.status, 404u);
  EXPECT_EQ(missing.body, error_body("no such room"));
}

TEST_F(ApiTest, UnknownAppIs404OnEveryRoomRoute) {
  for (auto [method, rest] :
       {std::pair{"GET", "/rooms"}, std::pair{"GET", "/rooms/r1"},
        std::pair{"POST", "/rooms/r1/dismiss"}, std::pair{"POST", "/rooms/r1/users/u/kick"},
        std::pair{"POST", "/rooms/r1/users/u/forbid-publish"}}) {
    Reply r = admin(method, std::string("/v1/admin/apps/nobody") + rest);
    EXPECT_EQ(r.status, 404u) << rest;
    EXPECT_EQ(r.body, error_body("unknown appId")) << rest;
  }
}

TEST_F(ApiTest, DismissBansEveryoneWithTheReason) {
  join(1, "alice");
  join(2, "bob");
  Reply r = admin("POST", app_path("/rooms/r1/dismiss"));
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, R"({"ok":true})");
  auto out = outcomes(r);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(banned(out[0], 1, "room dismissed"));
  EXPECT_TRUE(banned(out[0], 2, "room dismissed"));
  EXPECT_EQ(out[0].closes.size(), 2u);
  EXPECT_FALSE(rooms.room(kApp, "r1").has_value());

  join(3, "carol");
  auto custom = outcomes(admin("POST", app_path("/rooms/r1/dismiss"), R"({"reason":"closing"})"));
  ASSERT_EQ(custom.size(), 1u);
  EXPECT_TRUE(banned(custom[0], 3, "closing"));

  Reply gone = admin("POST", app_path("/rooms/r1/dismiss"));
  EXPECT_EQ(gone.status, 404u);
  EXPECT_EQ(gone.body, error_body("no such room"));
  EXPECT_TRUE(gone.effects.empty());
  ASSERT_TRUE(gone.log.has_value());
  EXPECT_EQ(gone.log->text, "admin dismiss " + kApp + "/r1: no such room");
}

TEST_F(ApiTest, KickBansOneUser) {
  join(1, "alice");
  join(2, "bob");
  auto out = outcomes(admin("POST", app_path("/rooms/r1/users/alice/kick")));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(banned(out[0], 1, "kicked"));
  EXPECT_FALSE(banned(out[0], 2, "kicked"));
  const auto view = rooms.room(kApp, "r1");
  ASSERT_EQ(view->members.size(), 1u);
  EXPECT_EQ(view->members[0].user_id, "bob");

  // A reason from the body; a body that is not JSON, not an object or has no string reason
  // gets the default.
  join(3, "carol");
  EXPECT_TRUE(banned(
      outcomes(admin("POST", app_path("/rooms/r1/users/carol/kick"), R"({"reason":"spam"})"))[0], 3,
      "spam"));
  room::SessionId session = 4;
  for (const char* body : {"{nope", "[1]", R"({"reason":7})", "null"}) {
    join(++session, "dave");
    auto k = outcomes(admin("POST", app_path("/rooms/r1/users/dave/kick"), body));
    ASSERT_EQ(k.size(), 1u) << body;
    EXPECT_TRUE(banned(k[0], session, "kicked")) << body;
  }

  Reply nobody = admin("POST", app_path("/rooms/r1/users/zed/kick"));
  EXPECT_EQ(nobody.status, 404u);
  EXPECT_EQ(nobody.body, error_body("no such user in the room"));
  ASSERT_TRUE(nobody.log.has_value());
  EXPECT_EQ(nobody.log->text, "admin kick " + kApp + "/r1/zed: no such user in the room");
  EXPECT_EQ(admin("POST", app_path("/rooms/r9/users/bob/kick")).body, error_body("no such room"));
}

TEST_F(ApiTest, ForbidPublishSetsAndLifts) {
  join(1, "alice");
  Reply r = admin("POST", app_path("/rooms/r1/users/carol/forbid-publish"));
  EXPECT_EQ(r.status, 200u);
  EXPECT_EQ(r.body, R"({"ok":true})");
  EXPECT_EQ(outcomes(r).size(), 1u);
  EXPECT_EQ(rooms.room(kApp, "r1")->publish_forbidden, std::vector<std::string>{"carol"});

  EXPECT_EQ(
      admin("POST", app_path("/rooms/r1/users/carol/forbid-publish"), R"({"forbidden":false})")
          .status,
      200u);
  EXPECT_TRUE(rooms.room(kApp, "r1")->publish_forbidden.empty());
  // A non-boolean "forbidden" or a non-object body means forbidden.
  for (const char* body : {R"({"forbidden":"no"})", "[false]", R"({"forbidden":true})"}) {
    EXPECT_EQ(admin("POST", app_path("/rooms/r1/users/alice/forbid-publish"), body).status, 200u);
    EXPECT_EQ(rooms.room(kApp, "r1")->publish_forbidden, std::vector<std::string>{"alice"}) << body;
    (void)admin("POST", app_path("/rooms/r1/users/alice/forbid-publish"), R"({"forbidden":false})");
  }

  Reply bad = admin("POST", app_path("/rooms/r1/users/alice/forbid-publish"), "{nope");
  EXPECT_EQ(bad.status, 400u);
  EXPECT_EQ(bad.body, error_body("body must be JSON {\\\"forbidden\\\": true|false}"));
  EXPECT_TRUE(bad.effects.empty());
  ASSERT_TRUE(bad.log.has_value());
  EXPECT_THAT(bad.log->text,
              HasSubstr("admin forbid-publish " + kApp + "/r1/alice: body is not JSON ("));
  EXPECT_TRUE(rooms.room(kApp, "r1")->publish_forbidden.empty());

  Reply no_room = admin("POST", app_path("/rooms/r9/users/alice/forbid-publish"));
  EXPECT_EQ(no_room.status, 404u);
  EXPECT_EQ(no_room.body, error_body("no such room"));
}

TEST_F(ApiTest, AdminBodyOverTheLimitIs413) {
  join(1, "alice");
  Reply r = admin("POST", app_path("/rooms/r1/users/alice/kick"), std::string(64 * 1024 + 1, ' '));
  EXPECT_EQ(r.status, 413u);
  EXPECT_EQ(r.body, error_body("body too large (limit 65536 bytes)"));
  EXPECT_TRUE(rooms.room(kApp, "r1").has_value());
}

// ---- A module's own routes next to the built-in ones.

TEST_F(ApiTest, AnotherModuleAddsAnAdminRoute) {
  router.get("/v1/admin/nodes", [](const Call&) { return json_reply(R"({"nodes":[]})"); },
             {.access = Access::Admin});
  EXPECT_EQ(admin("GET", "/v1/admin/nodes").body, R"({"nodes":[]})");
  EXPECT_EQ(request("GET", "/v1/admin/nodes").status, 401u);
  EXPECT_EQ(admin("POST", "/v1/admin/nodes").allow, "GET");
  EXPECT_EQ(admin("GET", "/v1/admin/apps").status, 200u);
}

}  // namespace
}  // namespace minirtc::api::testing
