#include "http/query.hpp"

#include <string>

#include <gtest/gtest.h>

namespace minirtc::http {
namespace {

TEST(Query, ParsesAndDecodes) {
  auto q = Query::parse("appId=abc&roomId=r%201&userId=a%40b&empty=&flag");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->get("appId"), "abc");
  EXPECT_EQ(q->get("roomId"), "r 1");
  EXPECT_EQ(q->get("userId"), "a@b");
  EXPECT_EQ(q->get("empty"), "");
  EXPECT_EQ(q->get("flag"), "");
  EXPECT_FALSE(q->get("missing"));
}

TEST(Query, FirstOccurrenceWinsAndEmptyPartsAreSkipped) {
  auto q = Query::parse("&&a=1&&a=2&");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->get("a"), "1");
}

TEST(Query, RejectsMalformedEscapes) {
  for (const char* bad : {"a=%", "a=%4", "a=%zz", "%g1=x", "a=%4%41"}) {
    EXPECT_FALSE(Query::parse(bad)) << bad;
  }
}

TEST(Query, RejectsTooManyParameters) {
  std::string s;
  for (std::size_t i = 0; i < Query::kMaxParams; ++i) s += "k" + std::to_string(i) + "=v&";
  EXPECT_TRUE(Query::parse(s));
  s += "one=more";
  EXPECT_FALSE(Query::parse(s));
}

TEST(Query, PercentEncodeRoundTrips) {
  const std::string raw = "a b/c?d=e&f~g@h.i-j_k\x01\xff";
  auto decoded = percent_decode(percent_encode(raw));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(*decoded, raw);
  EXPECT_EQ(percent_encode("a b"), "a%20b");
}

TEST(Query, SplitTarget) {
  auto [path, query] = split_target("/v1/config?appId=x");
  EXPECT_EQ(path, "/v1/config");
  EXPECT_EQ(query, "appId=x");
  auto [p2, q2] = split_target("/metrics");
  EXPECT_EQ(p2, "/metrics");
  EXPECT_EQ(q2, "");
}

TEST(Target, FlvStreamKeyOfPlaybackPathsOnly) {
  EXPECT_EQ(flv_stream_key("/live/app~room~bob~main.flv"), "app~room~bob~main");
  EXPECT_EQ(flv_stream_key("/live/k.flv"), "k");
  for (const char* other :
       {"/live/.flv", "/live/k.flv/", "/live/k", "/v1/live/k.flv", "/live.flv", "", "/healthz"})
    EXPECT_EQ(flv_stream_key(other), "") << other;
}

}  // namespace
}  // namespace minirtc::http

namespace minirtc::http {
namespace {

TEST(PathPrefix, ANodesPrefixIsTakenOffItsOwnPathsOnly) {
  EXPECT_EQ(strip_path_prefix("/n2/v1/signal", "/n2"), "/v1/signal");
  EXPECT_EQ(strip_path_prefix("/n2/live/k.flv", "/n2"), "/live/k.flv");
  EXPECT_EQ(strip_path_prefix("/n2", "/n2"), "/");
  EXPECT_EQ(strip_path_prefix("/n20/v1/signal", "/n2"), "/n20/v1/signal");
  EXPECT_EQ(strip_path_prefix("/v1/signal", "/n2"), "/v1/signal");  // a proxy stripped it
  EXPECT_EQ(strip_path_prefix("/v1/signal", ""), "/v1/signal");
  EXPECT_EQ(strip_path_prefix("/a/b/v1/config", "/a/b"), "/v1/config");
}

}  // namespace
}  // namespace minirtc::http
