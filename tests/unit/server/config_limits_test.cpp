// The [limits] section of the config file: keys, the older name of the RTMP limit, and the
// check that the reserve stays below every door's limit.

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "server/config.hpp"

namespace minirtc::server {
namespace {

Result<Config> load(const std::string& toml) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("minirtc-limits-" + std::to_string(::getpid()) + ".toml");
  std::ofstream(path) << toml;
  auto c = load_config_file(path.string());
  std::filesystem::remove(path);
  return c;
}

TEST(ConfigLimits, DefaultsAndKeys) {
  const Config d;
  EXPECT_EQ(d.limits.rtmp_connections, 20000u);
  EXPECT_EQ(d.limits.reserved_for_authenticated, 16u);
  EXPECT_EQ(d.limits.unauthenticated_per_ip, 64u);
  auto c = load(
      "[limits]\nrtmp_connections = 10\nhttp_connections = 20\nflv_viewers = 30\n"
      "reserved_for_authenticated = 2\nunauthenticated_per_ip = 0\n");
  ASSERT_TRUE(c) << c.error().reason;
  EXPECT_EQ(c->limits.rtmp_connections, 10u);
  EXPECT_EQ(c->limits.http_connections, 20u);
  EXPECT_EQ(c->limits.flv_viewers, 30u);
  EXPECT_EQ(c->limits.reserved_for_authenticated, 2u);
  EXPECT_EQ(c->limits.unauthenticated_per_ip, 0u);
}

TEST(ConfigLimits, OlderNameOfTheRtmpLimit) {
  auto c = load("[media]\nmax_rtmp_connections = 40\n");
  ASSERT_TRUE(c) << c.error().reason;
  EXPECT_EQ(c->limits.rtmp_connections, 40u);
}

TEST(ConfigLimits, ReserveMustBeBelowEveryLimitAndTyposAreErrors) {
  auto c = load("[limits]\nflv_viewers = 16\n");  // reserve 16 by default
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().reason.find("reserved_for_authenticated"), std::string::npos);
  EXPECT_TRUE(check_limits({10, 10, 10, 9, 0}));
  EXPECT_FALSE(check_limits({10, 10, 10, 10, 0}));
  auto typo = load("[limits]\nrtmp_connection = 10\n");
  ASSERT_FALSE(typo);
  EXPECT_NE(typo.error().reason.find("unknown key 'limits.rtmp_connection'"), std::string::npos);
}

}  // namespace
}  // namespace minirtc::server
