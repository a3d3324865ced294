// The callback keys of [[apps]] and the [callbacks] section (docs/operations.md, "Server
// callbacks"): URLs and event names are checked when the file loads.

#include <gtest/gtest.h>

#include "server/config.hpp"

namespace minirtc::server {
namespace {

constexpr const char* kApp = "[[apps]]\nid = \"0123456789abcdef01234567\"\nkey = \"k\"\n";

TEST(ConfigCallbacks, UrlsKeyAndEvents) {
  auto c = parse_config(std::string(kApp) +
                        "callback_urls = [\"https://a.example/x\", \"http://127.0.0.1:9/\"]\n"
                        "callback_key = \"cb\"\ncallback_events = [\"UserJoined\"]\n"
                        "[callbacks]\ntimeout_ms = 1000\nca_file = \"/etc/ca.pem\"\n");
  ASSERT_TRUE(c) << c.error().reason;
  const auto& app = c->apps.at(0);
  EXPECT_EQ(app.callback_urls.size(), 2u);
  EXPECT_EQ(app.callback_secret(), "cb");
  EXPECT_EQ(app.callback_events, std::vector<std::string>{"UserJoined"});
  EXPECT_EQ(c->callbacks.timeout_ms, 1000u);
  EXPECT_EQ(c->callbacks.ca_file, "/etc/ca.pem");
}

TEST(ConfigCallbacks, OneUrlAsAStringAndTheKeyDefaultsToTheAppKey) {
  auto c = parse_config(std::string(kApp) + "callback_urls = \"http://h/\"\n");
  ASSERT_TRUE(c) << c.error().reason;
  EXPECT_EQ(c->apps.at(0).callback_urls, std::vector<std::string>{"http://h/"});
  EXPECT_EQ(c->apps.at(0).callback_secret(), "k");
  EXPECT_EQ(c->callbacks.timeout_ms, 5000u);  // the spec's 5 s
}

TEST(ConfigCallbacks, AUrlListedTwiceIsAnError) {
  auto c = parse_config(std::string(kApp) + "callback_urls = [\"http://h/\", \"http://h/\"]\n");
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().reason.find("http://h/ is listed twice"), std::string::npos)
      << c.error().reason;
}

TEST(ConfigCallbacks, AnEmptyListIsNoCallbacks) {
  auto c = parse_config(std::string(kApp) + "callback_urls = []\ncallback_events = []\n");
  ASSERT_TRUE(c) << c.error().reason;  // toml++ calls an empty array not homogeneous
  EXPECT_TRUE(c->apps.at(0).callback_urls.empty());
}

TEST(ConfigCallbacks, BadUrlsEventsAndTypesAreErrors) {
  auto c = parse_config(std::string(kApp) +
                        "callback_urls = [\"ftp://h/\", 3]\ncallback_events = [\"Nope\"]\n");
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().reason.find("callback_urls"), std::string::npos) << c.error().reason;
  auto d = parse_config(std::string(kApp) +
                        "callback_urls = \"ftp://h/\"\ncallback_events = [\"Nope\"]\n");
  ASSERT_FALSE(d);
  EXPECT_NE(d.error().reason.find("not http or https"), std::string::npos) << d.error().reason;
  EXPECT_NE(d.error().reason.find("'Nope' is not a callback event"), std::string::npos);
  EXPECT_FALSE(parse_config("[callbacks]\nmax_in_flight = 0\n"));
  EXPECT_FALSE(parse_config("[callbacks]\nretry_forever = true\n"));
}

}  // namespace
}  // namespace minirtc::server
