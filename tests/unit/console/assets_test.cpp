#include "console/assets.hpp"

#include <array>
#include <string>

#include <gtest/gtest.h>

namespace minirtc::console {
namespace {

using Kind = Resolution::Kind;

constexpr std::array kAssets{
    Asset{"index.html", "<html>"},
    Asset{"assets/index-AbC1.js", "js"},
    Asset{"assets/index-AbC1.css", "css"},
};

TEST(ConsoleAssets, RootAndBareConsoleRedirectRelatively) {
  for (const char* p : {"/", "/console"}) {
    const auto r = resolve(p, kAssets);
    EXPECT_EQ(r.kind, Kind::Redirect) << p;
    EXPECT_EQ(r.location, "console/") << p;
  }
}

TEST(ConsoleAssets, IndexAndHashedAssets) {
  auto r = resolve("/console/", kAssets);
  ASSERT_EQ(r.kind, Kind::Serve);
  EXPECT_EQ(r.asset->body, "<html>");
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(r.cache_control, "no-cache");
  EXPECT_EQ(resolve("/console/index.html", kAssets).asset, r.asset);
  r = resolve("/console/assets/index-AbC1.js", kAssets);
  ASSERT_EQ(r.kind, Kind::Serve);
  EXPECT_EQ(r.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(r.cache_control, "public, max-age=31536000, immutable");
  EXPECT_EQ(resolve("/console/assets/index-AbC1.css", kAssets).content_type,
            "text/css; charset=utf-8");
}

TEST(ConsoleAssets, OtherRoutesAreNotTheConsoles) {
  for (const char* p : {"/v1/admin/apps", "/metrics", "/consoles", "/console.html", "/live/x.flv"})
    EXPECT_EQ(resolve(p, kAssets).kind, Kind::NotConsole) << p;
}

TEST(ConsoleAssets, OnlyExactNamesAreServed) {
  for (const char* p :
       {"/console/../metrics", "/console/..%2fmetrics", "/console/%2e%2e/index.html",
        "/console/assets/../index.html", "/console/assets%2findex-AbC1.js", "/console//index.html",
        "/console/./index.html", "/console/index.html/", "/console/INDEX.HTML",
        "/console/assets/", "/console/assets", "/console/index.html%00", "/console/a\\..\\b"})
    EXPECT_EQ(resolve(p, kAssets).kind, Kind::NotFound) << p;
  const std::string long_path = "/console/" + std::string(kMaxPathLength, 'a');
  EXPECT_EQ(resolve(long_path, kAssets).kind, Kind::NotFound);
}

TEST(ConsoleAssets, ContentTypes) {
  EXPECT_EQ(content_type_for("a.svg"), "image/svg+xml");
  EXPECT_EQ(content_type_for("a.json"), "application/json");
  EXPECT_EQ(content_type_for("a.bin"), "application/octet-stream");
  EXPECT_EQ(content_type_for("html"), "application/octet-stream");
}

TEST(ConsoleAssets, TheEmbeddedTableHasTheBuiltConsole) {
  const auto r = resolve("/console/", embedded_assets());
  ASSERT_EQ(r.kind, Kind::Serve);
  EXPECT_NE(r.asset->body.find("<!doctype html>"), std::string_view::npos);
}

}  // namespace
}  // namespace minirtc::console
