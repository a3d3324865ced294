// The console feed's messages (console/feed_message.hpp): the first message's key check and the
// fields of later messages, from well-formed, malformed and hostile text.

#include "console/feed_message.hpp"

#include <string>

#include <gtest/gtest.h>

namespace minirtc::console {
namespace {

constexpr std::string_view kKey = "admin-secret-key";

TEST(FeedMessage, TheRightKeyIsAccepted) {
  EXPECT_EQ(check_feed_auth(R"({"type":"auth","key":"admin-secret-key"})", kKey),
            FeedAuth::Accepted);
  // Field order and other fields do not matter.
  EXPECT_EQ(check_feed_auth(R"({"key":"admin-secret-key","x":[1,{}],"type":"auth"})", kKey),
            FeedAuth::Accepted);
}

TEST(FeedMessage, AnyOtherKeyIsRefused) {
  for (const char* m : {
           R"({"type":"auth","key":"admin-secret-kez"})",
           R"({"type":"auth","key":"admin-secret-key "})",
           R"({"type":"auth","key":"admin-secret-ke"})",
           R"({"type":"auth","key":""})",
           R"({"type":"auth"})",
           R"({"type":"auth","key":null})",
           R"({"type":"auth","key":["admin-secret-key"]})",
           R"({"type":"auth","key":"Bearer admin-secret-key"})",
       })
    EXPECT_EQ(check_feed_auth(m, kKey), FeedAuth::WrongKey) << m;
  // A key with a NUL inside is not a prefix match.
  EXPECT_EQ(check_feed_auth(R"({"type":"auth","key":"admin-secret-key\u0000x"})", kKey),
            FeedAuth::WrongKey);
}

TEST(FeedMessage, NoAdminKeyConfiguredMatchesNothing) {
  EXPECT_EQ(check_feed_auth(R"({"type":"auth","key":""})", ""), FeedAuth::WrongKey);
  EXPECT_EQ(check_feed_auth(R"({"type":"auth"})", ""), FeedAuth::WrongKey);
}

TEST(FeedMessage, AFirstMessageThatIsNotAnAuthIsRefused) {
  for (const char* m : {
           "",
           "admin-secret-key",
           R"("admin-secret-key")",
           R"(["auth","admin-secret-key"])",
           R"({"type":"watch","key":"admin-secret-key"})",
           R"({"type":"AUTH","key":"admin-secret-key"})",
           R"({"type":["auth"],"key":"admin-secret-key"})",
           R"({"type":"auth","key":"admin-secret-key")",  // cut short
           R"({"type":"auth","key":"admin-secret-key"} trailing)",
       })
    EXPECT_EQ(check_feed_auth(m, kKey), FeedAuth::NotAuth) << m;
}

TEST(FeedMessage, DeepNestingIsNotAMessage) {
  std::string deep = R"({"type":"auth","key":"admin-secret-key","x":)";
  deep += std::string(kMaxDepth + 5, '[') + std::string(kMaxDepth + 5, ']') + "}";
  EXPECT_EQ(check_feed_auth(deep, kKey), FeedAuth::NotAuth);
  std::string shallow = R"({"type":"auth","key":"admin-secret-key","x":)";
  shallow += std::string(kMaxDepth - 2, '[') + std::string(kMaxDepth - 2, ']') + "}";
  EXPECT_EQ(check_feed_auth(shallow, kKey), FeedAuth::Accepted);
}

TEST(FeedMessage, WatchFields) {
  auto m = parse_feed_message(R"({"type":"watch","appId":"app1","roomId":"r 1"})");
  EXPECT_EQ(m.type, "watch");
  EXPECT_EQ(m.app_id, "app1");
  EXPECT_EQ(m.room_id, "r 1");
  m = parse_feed_message(R"({"type":"watch","appId":"app1","roomId":7})");
  EXPECT_EQ(m.app_id, "app1");
  EXPECT_EQ(m.room_id, "");
  m = parse_feed_message("not json");
  EXPECT_EQ(m.type, "");
}

}  // namespace
}  // namespace minirtc::console
