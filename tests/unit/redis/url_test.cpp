// parse_url and retry_delay: the Client's two pure rules.

#include <gtest/gtest.h>

#include "redis/client.hpp"

namespace minirtc::redis {
namespace {

using std::chrono::milliseconds;

TEST(RedisUrl, HostPortAndDatabase) {
  auto u = parse_url("redis://127.0.0.1:6390/2");
  ASSERT_TRUE(u) << u.error().reason;
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 6390);
  EXPECT_EQ(u->db, 2);
  EXPECT_TRUE(u->password.empty());
  EXPECT_EQ(u->text, "redis://127.0.0.1:6390/2");
  EXPECT_EQ(u->host_port(), "127.0.0.1:6390");
}

TEST(RedisUrl, Defaults) {
  for (const char* text : {"redis://localhost", "redis://localhost/", "redis://localhost/0"}) {
    auto u = parse_url(text);
    ASSERT_TRUE(u) << text;
    EXPECT_EQ(u->host, "localhost");
    EXPECT_EQ(u->port, 6379);
    EXPECT_EQ(u->db, 0);
  }
}

TEST(RedisUrl, Ipv6) {
  auto u = parse_url("redis://[::1]:7000");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->host_port(), "[::1]:7000");
}

TEST(RedisUrl, PasswordIsKeptButNotShown) {
  auto u = parse_url("redis://:s3cret@10.0.0.5:6379/1");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->password, "s3cret");
  EXPECT_TRUE(u->user.empty());
  EXPECT_EQ(u->text.find("s3cret"), std::string::npos) << u->text;
  auto acl = parse_url("redis://node:p%40ss@10.0.0.5");
  ASSERT_TRUE(acl);
  EXPECT_EQ(acl->user, "node");
  EXPECT_EQ(acl->password, "p@ss");
}

TEST(RedisUrl, Refused) {
  for (const char* text :
       {"", "127.0.0.1:6379", "http://127.0.0.1:6379", "rediss://127.0.0.1:6379",
        "redis://127.0.0.1:6379/db", "redis://127.0.0.1:6379/1/2", "redis://127.0.0.1:6379/-1",
        "redis://127.0.0.1:6379/?timeout=1", "redis://127.0.0.1:6379/#x", "redis://127.0.0.1:0",
        "redis://127.0.0.1:99999", "redis://secret@127.0.0.1", "redis:///0"}) {
    auto u = parse_url(text);
    EXPECT_FALSE(u) << text;
    if (!u) {
      EXPECT_NE(u.error().reason.find(text), std::string::npos) << u.error().reason;
    }
  }
}

TEST(RedisRetry, DoublesFromMinUpToMax) {
  const milliseconds min(100), max(2000);
  EXPECT_EQ(retry_delay(0, min, max), milliseconds(100));
  EXPECT_EQ(retry_delay(1, min, max), milliseconds(200));
  EXPECT_EQ(retry_delay(2, min, max), milliseconds(400));
  EXPECT_EQ(retry_delay(4, min, max), milliseconds(1600));
  EXPECT_EQ(retry_delay(5, min, max), milliseconds(2000));
  EXPECT_EQ(retry_delay(1000, min, max), milliseconds(2000));  // no overflow
}

}  // namespace
}  // namespace minirtc::redis
