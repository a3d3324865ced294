// Recording's configuration keys: `[[apps]] record` and `[recording]` (server/config.hpp).
#include <gtest/gtest.h>

#include "server/config.hpp"
#include "server/config_reload.hpp"

namespace minirtc::server {
namespace {

constexpr const char* kApp = "[[apps]]\nid = \"abcdefghijklmnopqrstuvwx\"\nkey = \"k\"\n";

TEST(RecordingConfig, DefaultsRecordNothing) {
  auto c = parse_config(kApp);
  ASSERT_TRUE(c) << c.error().reason;
  EXPECT_FALSE(c->apps.at(0).record_all);
  EXPECT_EQ(c->recording.max_queue_bytes, 64u << 20);
  EXPECT_EQ(c->recording.download_url_ttl_s, 3600u);
}

TEST(RecordingConfig, RecordAllOrNone) {
  auto all = parse_config(std::string(kApp) + "record = \"all\"\n");
  ASSERT_TRUE(all) << all.error().reason;
  EXPECT_TRUE(all->apps.at(0).record_all);
  auto none = parse_config(std::string(kApp) + "record = \"none\"\n");
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->apps.at(0).record_all);
  auto bad = parse_config(std::string(kApp) + "record = \"some\"\n");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().reason.find("apps.record"), std::string::npos) << bad.error().reason;
  EXPECT_FALSE(parse_config(std::string(kApp) + "record = true\n"));
}

TEST(RecordingConfig, SectionKeysAndBounds) {
  auto c = parse_config("[recording]\nmax_queue_bytes = 2097152\ndownload_url_ttl_s = 60\n");
  ASSERT_TRUE(c) << c.error().reason;
  EXPECT_EQ(c->recording.max_queue_bytes, 2097152u);
  EXPECT_EQ(c->recording.download_url_ttl_s, 60u);
  EXPECT_FALSE(parse_config("[recording]\nmax_queue_bytes = 1000\n"));
  EXPECT_FALSE(parse_config("[recording]\ndownload_url_ttl_s = 0\n"));
  EXPECT_FALSE(parse_config("[recording]\nmax_queue = 1\n"));
}

TEST(RecordingConfig, ReloadAppliesRecordChanges) {
  auto before = parse_config(kApp);
  auto after = parse_config(std::string(kApp) + "record = \"all\"\n");
  ASSERT_TRUE(before && after);
  auto plan = plan_reload(*before, *after);
  EXPECT_TRUE(plan.apps_changed);
  EXPECT_TRUE(plan.config.apps.at(0).record_all);
}

}  // namespace
}  // namespace minirtc::server
