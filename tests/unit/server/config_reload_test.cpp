#include "server/config_reload.hpp"

#include <algorithm>

#include <gtest/gtest.h>

namespace minirtc::server {
namespace {

bool has(const std::vector<std::string>& lines, std::string_view text) {
  return std::any_of(lines.begin(), lines.end(),
                     [&](const std::string& l) { return l.find(text) != std::string::npos; });
}

Config base() {
  Config c;
  c.apps = {{"aaaaaaaaaaaaaaaaaaaaaaaa", "key-a", false},
            {"bbbbbbbbbbbbbbbbbbbbbbbb", "key-b", false}};
  c.admin_key = "admin-1";
  return c;
}

TEST(ConfigReload, NothingChangedAppliesNothing) {
  auto p = plan_reload(base(), base());
  EXPECT_TRUE(p.applied.empty());
  EXPECT_TRUE(p.need_restart.empty());
  EXPECT_FALSE(p.apps_changed);
  EXPECT_FALSE(p.room_changed);
}

TEST(ConfigReload, AppsAddedRemovedAndRekeyedApplyLive) {
  auto next = base();
  next.apps.erase(next.apps.begin());                                 // a removed
  next.apps[0].key = "key-b2";                                        // b re-keyed
  next.apps.push_back({"cccccccccccccccccccccccc", "key-c", false});  // c added
  auto p = plan_reload(base(), next);
  EXPECT_TRUE(p.apps_changed);
  EXPECT_TRUE(has(p.applied, "apps: removed aaaaaaaaaaaaaaaaaaaaaaaa"));
  EXPECT_TRUE(has(p.applied, "apps: key of bbbbbbbbbbbbbbbbbbbbbbbb changed"));
  EXPECT_TRUE(has(p.applied, "apps: added cccccccccccccccccccccccc"));
  EXPECT_FALSE(has(p.applied, "key-b2"));  // keys are never logged
  ASSERT_EQ(p.config.apps.size(), 2u);
  EXPECT_EQ(p.config.apps[0].key, "key-b2");
}

TEST(ConfigReload, LimitsApplyLiveAndAreReported) {
  auto next = base();
  next.http.header_limit = 4096;
  next.limits.rtmp_connections = 10;
  next.limits.unauthenticated_per_ip = 5;
  next.media.url_ttl_s = 60;
  next.max_visible_users = 3;
  next.log_level = "debug";
  next.admin_key = "admin-2";
  auto p = plan_reload(base(), next);
  EXPECT_EQ(p.config.http.header_limit, 4096u);
  EXPECT_EQ(p.config.limits.rtmp_connections, 10u);
  EXPECT_EQ(p.config.limits.unauthenticated_per_ip, 5u);
  EXPECT_TRUE(has(p.applied, "limits.rtmp_connections: 20000 -> 10"));
  EXPECT_EQ(p.config.media.url_ttl_s, 60u);
  EXPECT_EQ(p.config.max_visible_users, 3u);
  EXPECT_EQ(p.config.log_level, "debug");
  EXPECT_EQ(p.config.admin_key, "admin-2");
  EXPECT_TRUE(p.room_changed);
  EXPECT_TRUE(has(p.applied, "http.header_limit: 8192 -> 4096"));
  EXPECT_TRUE(has(p.applied, "room.max_visible_users: 8 -> 3"));
  EXPECT_TRUE(has(p.applied, "server.admin_key: changed"));
  EXPECT_FALSE(has(p.applied, "admin-2"));  // secrets are never logged
  EXPECT_TRUE(p.need_restart.empty());
}

TEST(ConfigReload, RestartOnlyKeysKeepTheRunningValue) {
  auto next = base();
  next.http_listen = "0.0.0.0:9999";
  next.tls_cert = "/etc/cert.pem";
  next.media.merge_window_ms = 5;
  next.media.publisher_idle_timeout_s = 99;
  auto p = plan_reload(base(), next);
  EXPECT_EQ(p.config.http_listen, base().http_listen);
  EXPECT_EQ(p.config.tls_cert, "");
  EXPECT_EQ(p.config.media.merge_window_ms, base().media.merge_window_ms);
  EXPECT_EQ(p.config.media.publisher_idle_timeout_s, base().media.publisher_idle_timeout_s);
  EXPECT_TRUE(p.applied.empty());
  EXPECT_TRUE(has(p.need_restart, "server.http_listen: \"127.0.0.1:8080\" -> \"0.0.0.0:9999\""));
  EXPECT_TRUE(has(p.need_restart, "server.tls_cert"));
  EXPECT_TRUE(has(p.need_restart, "media.merge_window_ms: 25 -> 5 (needs a restart; 25 kept)"));
  EXPECT_TRUE(has(p.need_restart, "media.publisher_idle_timeout_s"));
}

}  // namespace
}  // namespace minirtc::server
