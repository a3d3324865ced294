// parse_config (the text of a config file) and load_config_file (the file, errors prefixed with
// its path).

#include "server/config.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace minirtc::server {
namespace {

TEST(Config, ParsesOverTheBase) {
  Config base;
  base.max_visible_users = 3;
  auto c = parse_config("[room]\nresume_window_ms = 1500\n[http]\nbody_limit = 1024\n", base);
  ASSERT_TRUE(c) << c.error().reason;
  EXPECT_EQ(c->resume_window_ms, 1500u);
  EXPECT_EQ(c->http.body_limit, 1024u);
  EXPECT_EQ(c->max_visible_users, 3u);  // kept from the base
  EXPECT_TRUE(parse_config(""));        // an empty file is the defaults
}

TEST(Config, AnIntegerKeyTakesIntegersOnly) {
  // 6.5e37 for an integer key was converted inside toml++ with undefined behaviour (fuzzing).
  for (const char* value : {"6.5e37", "1.0", "-1", "true", "\"8\"", "4294967296"}) {
    auto c = parse_config(std::string("[room]\nmax_visible_users = ") + value + "\n");
    ASSERT_FALSE(c) << value;
    EXPECT_NE(c.error().reason.find("'room.max_visible_users' must be"), std::string::npos)
        << c.error().reason;
  }
  auto ok = parse_config("[room]\nmax_visible_users = 4294967295\n");
  ASSERT_TRUE(ok) << ok.error().reason;
  EXPECT_EQ(ok->max_visible_users, 4294967295u);
}

TEST(Config, ReportsEveryErrorAndTheSyntaxErrorLine) {
  auto c = parse_config("[server]\ntypo = 1\n[media]\ngop_max_packets = -1\n[extra]\n");
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().reason.find("unknown key 'server.typo'"), std::string::npos);
  EXPECT_NE(c.error().reason.find("'media.gop_max_packets' must be"), std::string::npos);
  EXPECT_NE(c.error().reason.find("unknown section 'extra'"), std::string::npos);
  auto syntax = parse_config("[server]\n\nhttp_listen = \"unterminated\n");
  ASSERT_FALSE(syntax);
  EXPECT_NE(syntax.error().reason.find("(line 3)"), std::string::npos) << syntax.error().reason;
}

TEST(Config, FileErrorsNameThePath) {
  const std::string path = ::testing::TempDir() + "minirtc_config_test.toml";
  std::ofstream(path) << "[server]\ntypo = 1\n";
  auto c = load_config_file(path);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().reason.rfind(path + ": ", 0), 0u) << c.error().reason;
  std::ofstream(path) << "[room]\nmax_visible_users = 4\n";
  auto ok = load_config_file(path);
  ASSERT_TRUE(ok) << ok.error().reason;
  EXPECT_EQ(ok->max_visible_users, 4u);
  std::remove(path.c_str());
  auto missing = load_config_file(path);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().reason.find("cannot be read"), std::string::npos);
}

TEST(Config, RelayAndClusterSections) {
  auto c = parse_config(
      "[relay]\norigin = \"rtmp://10.0.0.2:1935\"\nidle_grace_ms = 100\n"
      "retry_initial_ms = 200\nretry_max_ms = 400\nurl_ttl_s = 30\n"
      "[cluster]\nsecret = \"s3\"\n");
  ASSERT_TRUE(c) << c.error().reason;
  EXPECT_EQ(c->relay.origin, "rtmp://10.0.0.2:1935");
  EXPECT_EQ(c->relay.idle_grace_ms, 100u);
  EXPECT_EQ(c->relay.retry_initial_ms, 200u);
  EXPECT_EQ(c->relay.retry_max_ms, 400u);
  EXPECT_EQ(c->relay.url_ttl_s, 30u);
  EXPECT_EQ(c->cluster.secret, "s3");
  EXPECT_TRUE(check_relay(*c));
  auto bad = parse_config("[relay]\norigin = \"http://h:1\"\n");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().reason.find("relay.origin"), std::string::npos) << bad.error().reason;
}

TEST(Config, RelayOriginForms) {
  auto ok = parse_rtmp_origin("rtmp://origin.example.com:1935");
  ASSERT_TRUE(ok) << ok.error().reason;
  EXPECT_EQ(ok->first, "origin.example.com");
  EXPECT_EQ(ok->second, 1935);
  for (const char* bad : {"origin:1935", "rtmp://origin", "rtmp://origin:1935/live",
                          "rtmp://origin:0", "rtmp://:1935", "rtmp://origin:99999"})
    EXPECT_FALSE(parse_rtmp_origin(bad)) << bad;
}

TEST(Config, AnEdgeNeedsTheClusterSecret) {
  Config c;
  EXPECT_TRUE(check_relay(c));  // no relay: nothing to check
  c.relay.origin = "rtmp://127.0.0.1:1935";
  auto st = check_relay(c);
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().reason.find("needs cluster.secret"), std::string::npos);
  c.cluster.secret = "s";
  EXPECT_TRUE(check_relay(c));
  c.relay.retry_max_ms = c.relay.retry_initial_ms - 1;
  EXPECT_FALSE(check_relay(c));
}

TEST(Config, ABadOriginIsNamedByItsKey) {
  Config c;
  c.relay.origin = "http://origin:1935";
  auto st = check_relay(c);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().reason, "relay.origin: 'http://origin:1935' is not rtmp://HOST:PORT");
}

}  // namespace
}  // namespace minirtc::server
