// Placement: the node for a new room, the order /v1/config lists nodes in, and where a viewer
// plays when the room's node is full.

#include <gtest/gtest.h>

#include "cluster/placement.hpp"

namespace minirtc::cluster {
namespace {

NodeRecord node(std::string id, std::uint32_t sessions, std::uint32_t viewers = 0,
                double egress = 0, double cpu = 0) {
  NodeRecord n;
  n.id = std::move(id);
  n.sessions = sessions;
  n.viewers = viewers;
  n.egress_mbps = egress;
  n.cpu_percent = cpu;
  return n;
}

std::vector<std::string> ids(const std::vector<NodeRecord>& nodes) {
  std::vector<std::string> out;
  for (const auto& n : nodes) out.push_back(n.id);
  return out;
}

TEST(Placement, LoadCountsSessionsViewersMegabitsAndCpuPercentOneEach) {
  EXPECT_DOUBLE_EQ(load_score(node("a", 3, 4, 2.5, 10)), 19.5);
}

TEST(Placement, NodesAreListedLeastLoadedFirst) {
  std::vector<NodeRecord> nodes{node("n1", 30), node("n2", 5), node("n3", 12)};
  EXPECT_EQ(ids(order_by_load(nodes, {})), (std::vector<std::string>{"n2", "n3", "n1"}));
}

TEST(Placement, EqualLoadsGoToTheSmallerIdSoEveryNodeChoosesAlike) {
  std::vector<NodeRecord> one{node("b", 1), node("a", 1), node("c", 1)};
  std::vector<NodeRecord> other{node("c", 1), node("b", 1), node("a", 1)};
  EXPECT_EQ(ids(order_by_load(one, {})), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(ids(order_by_load(other, {})), ids(order_by_load(one, {})));
}

TEST(Placement, NodesOverCapacityComeAfterEveryNodeUnderIt) {
  Capacity cap;
  cap.max_cpu_percent = 90;
  std::vector<NodeRecord> nodes{node("busy", 0, 0, 0, 95), node("n2", 200), node("n3", 100)};
  EXPECT_EQ(ids(order_by_load(nodes, cap)), (std::vector<std::string>{"n3", "n2", "busy"}));
}

TEST(Placement, ANewRoomGoesToTheLeastLoadedNode) {
  std::vector<NodeRecord> nodes{node("n1", 10), node("n2", 2), node("n3", 7)};
  EXPECT_EQ(pick_room_node(nodes, {}), "n2");
  EXPECT_EQ(pick_room_node({}, {}), std::nullopt);
}

TEST(Placement, ViewersPlayOnTheOriginWhileItHasCapacity) {
  Capacity cap;
  cap.max_viewers = 100;
  std::vector<NodeRecord> nodes{node("origin", 0, 99), node("edge", 0, 0)};
  EXPECT_EQ(pick_play_node("origin", nodes, cap), "origin");
}

TEST(Placement, ViewersOverflowToTheLeastLoadedOtherNodeWhenTheOriginIsFull) {
  Capacity cap;
  cap.max_viewers = 100;
  std::vector<NodeRecord> nodes{node("origin", 0, 100), node("e1", 0, 50), node("e2", 0, 20)};
  EXPECT_EQ(pick_play_node("origin", nodes, cap), "e2");
}

TEST(Placement, EgressCapacityCountsLikeViewers) {
  Capacity cap;
  cap.max_egress_mbps = 500;
  std::vector<NodeRecord> nodes{node("origin", 0, 10, 600), node("e1", 0, 10, 100)};
  EXPECT_EQ(pick_play_node("origin", nodes, cap), "e1");
}

TEST(Placement, WhenEveryNodeIsFullViewersStayOnTheOrigin) {
  Capacity cap;
  cap.max_viewers = 10;
  std::vector<NodeRecord> nodes{node("origin", 0, 10), node("e1", 0, 10), node("e2", 0, 11)};
  EXPECT_EQ(pick_play_node("origin", nodes, cap), "origin");
}

TEST(Placement, NoCapacityConfiguredMeansTheOriginServesEveryone) {
  std::vector<NodeRecord> nodes{node("origin", 0, 100000, 9000), node("e1", 0, 0)};
  EXPECT_EQ(pick_play_node("origin", nodes, {}), "origin");
}

}  // namespace
}  // namespace minirtc::cluster
