#include "http/routes.hpp"

#include <gtest/gtest.h>

namespace minirtc::http {
namespace {

TEST(Routes, FixedPathsHaveTheirMethods) {
  EXPECT_EQ(allowed_methods("/healthz"), "GET, HEAD");
  EXPECT_EQ(allowed_methods("/metrics"), "GET, HEAD");
  EXPECT_EQ(allowed_methods("/v1/config"), "GET");
  EXPECT_EQ(allowed_methods("/v1/report"), "POST");
  EXPECT_EQ(allowed_methods("/v1/dev/token"), "GET");
  EXPECT_EQ(allowed_methods("/v1/signal"), "GET");
}

TEST(Routes, AdminPathsMatchBySegment) {
  EXPECT_EQ(allowed_methods("/v1/admin/apps"), "GET");
  EXPECT_EQ(allowed_methods("/v1/admin/streams"), "GET");
  EXPECT_EQ(allowed_methods("/v1/admin/urls/0123456789abcdef/revoke"), "POST");
  EXPECT_EQ(allowed_methods("/v1/admin/apps/A/rooms"), "GET");
  EXPECT_EQ(allowed_methods("/v1/admin/apps/A/rooms/r1"), "GET");
  EXPECT_EQ(allowed_methods("/v1/admin/apps/A/rooms/r1/dismiss"), "POST");
  EXPECT_EQ(allowed_methods("/v1/admin/apps/A/rooms/r1/users/u/kick"), "POST");
  EXPECT_EQ(allowed_methods("/v1/admin/apps/A/rooms/r1/users/u/forbid-publish"), "POST");
}

TEST(Routes, ConsolePaths) {
  EXPECT_EQ(allowed_methods("/"), "GET, HEAD");
  EXPECT_EQ(allowed_methods("/console"), "GET, HEAD");
  EXPECT_EQ(allowed_methods("/console/"), "GET, HEAD");
  EXPECT_EQ(allowed_methods("/console/index.html"), "GET, HEAD");
  EXPECT_EQ(allowed_methods("/console/assets/index-abc.js"), "GET, HEAD");
  EXPECT_EQ(allowed_methods("/console/a/b/c"), "");
  EXPECT_EQ(allowed_methods("/v1/admin/feed"), "GET");
  EXPECT_EQ(allowed_methods("/v1/admin/play-url"), "POST");
  EXPECT_EQ(allowed_methods("/v1/admin/token"), "POST");
  EXPECT_EQ(allowed_methods("/v1/admin/apps/A/rooms/r1/users/u/mute"), "POST");
}

TEST(Routes, FlvPlayback) {
  EXPECT_EQ(allowed_methods("/live/app_room_user_main.flv"), "GET");
  EXPECT_EQ(allowed_methods("/live/.flv"), "");
  EXPECT_EQ(allowed_methods("/live/a/b.flv"), "GET");  // its key is refused (403), not the method
  EXPECT_EQ(allowed_methods("/live/x.mp4"), "");
}

TEST(Routes, UnknownPathsHaveNone) {
  for (const char* p : {"", "healthz", "//", "/healthz/", "/healthz/x", "/v1", "/v1/admin",
                        "/v1/admin/urls//revoke", "/v1/admin/urls/n", "/v1/admin/urls/n/revoke/x",
                        "/v1/admin/apps/A/rooms/r1/users/u", "/v1/admin/apps//rooms", "/nope"})
    EXPECT_EQ(allowed_methods(p), "") << p;
}

TEST(Routes, AllowsMatchesWholeMethodNamesOnly) {
  EXPECT_TRUE(allows("GET, HEAD", "GET"));
  EXPECT_TRUE(allows("GET, HEAD", "HEAD"));
  EXPECT_TRUE(allows("POST", "POST"));
  EXPECT_FALSE(allows("GET, HEAD", "POST"));
  EXPECT_FALSE(allows("GET, HEAD", "GE"));
  EXPECT_FALSE(allows("GET, HEAD", "get"));  // methods are case-sensitive
  EXPECT_FALSE(allows("GET, HEAD", ""));
  EXPECT_FALSE(allows("", "GET"));
  EXPECT_FALSE(allows("GET, HEAD", "BREW"));
}

}  // namespace
}  // namespace minirtc::http
