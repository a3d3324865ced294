// The web console's routes (api/console_routes.cpp) through the router, over a real RoomService:
// the route table, the admin key on each, the play URL, the token generator (the token verifies
// with the app's key and carries the asked privileges) and mute-for-everyone as an effect.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "api_fixture.hpp"
#include "auth/access_token.hpp"

namespace minirtc::api::testing {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;

const std::string kMutePath = "/v1/admin/apps/" + kApp + "/rooms/r1/users/alice/mute";

std::vector<MuteStream> mutes(const Reply& r) {
  std::vector<MuteStream> v;
  for (const auto& e : r.effects)
    if (auto* m = std::get_if<MuteStream>(&e)) v.push_back(*m);
  return v;
}

TEST_F(ApiTest, ConsolePathsHaveTheirMethods) {
  EXPECT_EQ(router.allowed_methods("/v1/admin/feed"), "GET");
  EXPECT_EQ(router.allowed_methods("/v1/admin/play-url"), "POST");
  EXPECT_EQ(router.allowed_methods("/v1/admin/token"), "POST");
  EXPECT_EQ(router.allowed_methods("/v1/admin/apps/A/rooms/r1/users/u/mute"), "POST");
  for (const char* p : {"/v1/admin/apps/A/rooms/r1/users//mute", "/v1/admin/apps/A/rooms/r1/mute",
                        "/v1/admin/play-url/x", "/v1/admin/feed/"})
    EXPECT_EQ(router.allowed_methods(p), "") << p;
  // The console's static files are HttpSession's (before the router): no route here.
  for (const char* p : {"/", "/console", "/console/", "/console/index.html"})
    EXPECT_EQ(request("GET", p).status, 404u) << p;
}

TEST_F(ApiTest, FeedWithoutUpgradeIs426WithoutTheKey) {
  Reply r = request("GET", "/v1/admin/feed");
  EXPECT_EQ(r.status, 426u);
  EXPECT_EQ(r.body, error_body("the console feed needs a WebSocket upgrade"));
  EXPECT_EQ(request("POST", "/v1/admin/feed").status, 405u);
}

TEST_F(ApiTest, ConsoleRoutesNeedTheKey) {
  join(1, "alice");
  for (const std::string& path :
       {std::string("/v1/admin/play-url"), std::string("/v1/admin/token"), kMutePath}) {
    Reply none = request("POST", path, R"({"audio":true})");
    EXPECT_EQ(none.status, 401u) << path;
    EXPECT_EQ(none.rejected, "admin_unauthorized") << path;
    EXPECT_TRUE(none.effects.empty()) << path;
    EXPECT_EQ(request("POST", path, "{}", {"Bearer wrong"}).status, 401u) << path;
  }
  router.set_admin_key("");
  EXPECT_EQ(admin("POST", kMutePath, R"({"audio":true})").status, 404u);
}

TEST_F(ApiTest, PlayUrlIsRelativeToTheRoot) {
  const std::string key = stream_key(StreamId{kApp, "r1", "alice", StreamKind::Main});
  Reply r = admin("POST", "/v1/admin/play-url", R"({"stream":")" + key + "\"}");
  ASSERT_EQ(r.status, 200u) << r.body;
  auto o = json::parse(r.body).as_object();
  EXPECT_EQ(o.at("viewer").as_string(), "console-0000002a");
  EXPECT_EQ(o.at("path").as_string(),
            "live/" + key + ".flv?viewer=console-0000002a&at=" + std::to_string(now));

  EXPECT_EQ(admin("POST", "/v1/admin/play-url", R"({"stream":"nope"})").status, 400u);
  EXPECT_EQ(admin("POST", "/v1/admin/play-url", "[1]").status, 400u);
  EXPECT_EQ(
      admin("POST", "/v1/admin/play-url",
            R"({"stream":")" + stream_key(StreamId{std::string(24, 'o'), "r1", "alice"}) + "\"}")
          .body,
      error_body("unknown appId"));
}

TEST_F(ApiTest, TokenForAnyAppVerifiesWithItsPrivileges) {
  Reply r = admin("POST", "/v1/admin/token",
                  R"({"appId":")" + kApp +
                      R"(","roomId":"r1","userId":"bob","subscribe":false,"expireSeconds":600})");
  ASSERT_EQ(r.status, 200u) << r.body;
  auto o = json::parse(r.body).as_object();
  EXPECT_EQ(o.at("appId").as_string(), kApp);
  const auto now_s = static_cast<std::uint32_t>(now / 1000);
  EXPECT_EQ(o.at("expireAt").to_number<std::uint32_t>(), now_s + 600);
  const std::string token(o.at("token").as_string());
  auto check = [&](auth::TokenAction action) {
    return auth::check_token(token, kApp, "app-key", "r1", "bob", action, now_s).ok();
  };
  EXPECT_TRUE(check(auth::TokenAction::Join));
  EXPECT_TRUE(check(auth::TokenAction::Publish));
  EXPECT_FALSE(check(auth::TokenAction::Subscribe));
  ASSERT_TRUE(r.log.has_value());
  EXPECT_THAT(r.log->text, HasSubstr("token issued for app=" + kApp + " room=r1 user=bob (600 s)"));
}

TEST_F(ApiTest, TokenRefusals) {
  auto body = [](std::string_view app, std::string_view extra = "") {
    return R"({"appId":")" + std::string(app) + R"(","roomId":"r1","userId":"bob")" +
           std::string(extra) + "}";
  };
  EXPECT_EQ(admin("POST", "/v1/admin/token", "not json").body,
            error_body("body must be a JSON object"));
  EXPECT_EQ(admin("POST", "/v1/admin/token", body("nobody")).status, 404u);
  EXPECT_EQ(admin("POST", "/v1/admin/token",
                  R"({"appId":")" + kApp + R"(","roomId":"r 1","userId":"bob"})")
                .status,
            400u);
  for (const char* lifetime : {R"(,"expireSeconds":59)", R"(,"expireSeconds":604801)"})
    EXPECT_EQ(admin("POST", "/v1/admin/token", body(kApp, lifetime)).body,
              error_body("expireSeconds must be 60 to 604800"));
  EXPECT_EQ(admin("POST", "/v1/admin/token", body(kApp, R"(,"expireSeconds":604800)")).status,
            200u);
}

TEST_F(ApiTest, MuteIsAnEffectOnTheUsersStream) {
  join(1, "alice");
  Reply r = admin("POST", kMutePath, R"({"audio":true,"video":false})");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.body, R"({"ok":true})");
  auto m = mutes(r);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].id, (StreamId{kApp, "r1", "alice", StreamKind::Main}));
  EXPECT_TRUE(m[0].audio);
  EXPECT_FALSE(m[0].video);

  m = mutes(admin("POST", kMutePath, R"({"video":true,"screen":true})"));
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].id.kind, StreamKind::Screen);
  EXPECT_FALSE(m[0].audio);
  EXPECT_TRUE(m[0].video);

  Reply nobody = admin("POST", "/v1/admin/apps/" + kApp + "/rooms/r9/users/alice/mute", "{}");
  EXPECT_EQ(nobody.body, error_body("no such room"));
  EXPECT_TRUE(nobody.effects.empty());
  EXPECT_EQ(admin("POST", kMutePath, "[]").status, 400u);
  EXPECT_EQ(admin("POST", "/v1/admin/apps/" + kApp + "/rooms/r1/users/a%20b/mute", "{}").status,
            400u);
}

}  // namespace
}  // namespace minirtc::api::testing
