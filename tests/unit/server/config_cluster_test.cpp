// The [cluster] section: read like every other section, and refused when a node could not take
// part in a cluster with it (docs/operations.md, "Cluster mode").

#include <gtest/gtest.h>

#include "server/config.hpp"

namespace minirtc::server {
namespace {

TEST(ClusterConfig, NoRedisMeansSingleNodeWhateverElseIsSet) {
  auto c = parse_config("[cluster]\npath_prefix = \"/n2\"\n");
  ASSERT_TRUE(c) << c.error().reason;
  EXPECT_FALSE(c->cluster.enabled());
  EXPECT_FALSE(Config{}.cluster.enabled());
}

TEST(ClusterConfig, ReadsEveryKey) {
  auto c = parse_config(
      "[cluster]\nredis = \"redis://127.0.0.1:6379/2\"\nnode_id = \"n2\"\n"
      "relay_listen = \"10.0.0.2:1936\"\npath_prefix = \"/n2\"\n"
      "secret = \"0123456789abcdef\"\nnode_ttl_ms = 3000\npin_ttl_ms = 6000\n"
      "max_viewers = 500\nmax_egress_mbps = 800\nmax_cpu_percent = 90\n"
      "report_forward_rate = 50\nreport_forward_client_rate = 0\n");
  ASSERT_TRUE(c) << c.error().reason;
  EXPECT_TRUE(c->cluster.enabled());
  EXPECT_EQ(c->cluster.node_id, "n2");
  EXPECT_EQ(c->cluster.relay_listen, "10.0.0.2:1936");
  EXPECT_EQ(c->cluster.path_prefix, "/n2");
  EXPECT_EQ(c->cluster.node_ttl_ms, 3000u);
  EXPECT_EQ(c->cluster.pin_ttl_ms, 6000u);
  EXPECT_EQ(c->cluster.max_viewers, 500u);
  EXPECT_EQ(c->cluster.max_egress_mbps, 800u);
  EXPECT_EQ(c->cluster.max_cpu_percent, 90u);
  EXPECT_EQ(c->cluster.report_forward_rate, 50u);
  EXPECT_EQ(c->cluster.report_forward_client_rate, 0u);
  EXPECT_EQ(Config{}.cluster.report_forward_rate, 200u);
  EXPECT_EQ(Config{}.cluster.report_forward_client_rate, 5u);
}

TEST(ClusterConfig, ANodeThatCouldNotJoinSafelyIsRefused) {
  const std::string ok = "redis = \"redis://h:1\"\nsecret = \"0123456789abcdef\"\n";
  for (const std::string& bad : {
           std::string("redis = \"redis://h:1\"\n"),                      // no secret
           std::string("redis = \"redis://h:1\"\nsecret = \"short\"\n"),  // too short
           std::string("redis = \"http://h:1\"\nsecret = \"0123456789abcdef\"\n"),
           ok + "node_id = \"n 2\"\n",
           ok + "path_prefix = \"n2\"\n",
           ok + "path_prefix = \"/n2/\"\n",
           ok + "relay_listen = \"nowhere\"\n",
           ok + "node_ttl_ms = 500\n",
           ok + "node_ttl_ms = 8000\npin_ttl_ms = 4000\n",
           ok + "unknown = 1\n",
       }) {
    EXPECT_FALSE(parse_config("[cluster]\n" + bad)) << bad;
  }
  EXPECT_TRUE(parse_config("[cluster]\n" + ok));
}

}  // namespace
}  // namespace minirtc::server
