// Looking up a room's node by its pin when the room directory does not list it yet
// (cluster/origin_lookup.hpp): one lookup at a time, an owner used for a while, a miss asked
// again only after a pause, lost lookups asked again, old answers forgotten.

#include "cluster/origin_lookup.hpp"

#include <gtest/gtest.h>

namespace minirtc::cluster {
namespace {

const OriginLookups::RoomKey kRoom{"abcdefghijklmnopqrstuvwx", "room-a"};
const OriginLookups::RoomKey kOther{"abcdefghijklmnopqrstuvwx", "room-b"};
constexpr OriginLookupTiming kTiming{.found_ttl_ms = 5000, .miss_retry_ms = 1000};

NodeRecord node(const std::string& id) {
  NodeRecord n;
  n.id = id;
  n.relay_address = "127.0.0.1:7000";
  return n;
}

TEST(OriginLookups, OneLookupAtATimeThenItsOwnerForAWhile) {
  OriginLookups l(kTiming);
  auto first = l.consult(kRoom, 1000);
  EXPECT_TRUE(first.ask);
  EXPECT_FALSE(first.owner);
  // Asked again while the answer is due (every relay tick, every viewer): no second read.
  for (std::uint64_t t : {1000, 1200, 1900}) {
    auto s = l.consult(kRoom, t);
    EXPECT_FALSE(s.ask);
    EXPECT_FALSE(s.owner);
  }
  EXPECT_TRUE(l.consult(kOther, 1200).ask);  // rooms are separate
  l.answered(kRoom, node("n2"), 2000);
  auto s = l.consult(kRoom, 6999);
  EXPECT_FALSE(s.ask);
  ASSERT_TRUE(s.owner);
  EXPECT_EQ(s.owner->id, "n2");
  // Too old to trust (the directory lists a live room by then): asked again.
  auto later = l.consult(kRoom, 7000);
  EXPECT_TRUE(later.ask);
  EXPECT_FALSE(later.owner);
}

TEST(OriginLookups, AMissIsAskedAgainOnlyAfterThePause) {
  OriginLookups l(kTiming);
  ASSERT_TRUE(l.consult(kRoom, 1000).ask);
  l.answered(kRoom, std::nullopt, 1010);  // no pin, or its node is dead
  for (std::uint64_t t : {1010, 1500, 2009}) EXPECT_FALSE(l.consult(kRoom, t).ask) << t;
  EXPECT_TRUE(l.consult(kRoom, 2010).ask);
  l.answered(kRoom, std::nullopt, 2010);
  // A dead origin costs one read per pause, however often the relay asks in between: over the
  // next 10 s (asked every 100 ms), at 3100, 4100, ... 12100.
  int asks = 0;
  for (std::uint64_t t = 2100; t <= 12100; t += 100) {
    auto s = l.consult(kRoom, t);
    if (s.ask) {
      ++asks;
      l.answered(kRoom, std::nullopt, t);
    }
  }
  EXPECT_EQ(asks, 10);
}

TEST(OriginLookups, ALookupNeverAnsweredIsAskedAgain) {
  OriginLookups l(kTiming);
  ASSERT_TRUE(l.consult(kRoom, 1000).ask);
  EXPECT_FALSE(l.consult(kRoom, 5999).ask);
  EXPECT_TRUE(l.consult(kRoom, 6000).ask);
}

TEST(OriginLookups, OldAnswersAndLostLookupsAreForgotten) {
  OriginLookups l(kTiming);
  l.consult(kRoom, 1000);
  l.answered(kRoom, node("n2"), 1000);
  l.consult(kOther, 3000);  // under way
  l.prune(5999);
  EXPECT_EQ(l.size(), 2u);
  l.prune(6000);
  EXPECT_FALSE(l.contains(kRoom));
  EXPECT_TRUE(l.contains(kOther));
  l.prune(8000);
  EXPECT_EQ(l.size(), 0u);
}

TEST(OriginLookups, AClockSetBackCountsAsNoTimePassing) {
  OriginLookups l(kTiming);
  l.consult(kRoom, 10000);
  l.answered(kRoom, std::nullopt, 10000);
  EXPECT_FALSE(l.consult(kRoom, 5000).ask);
  l.prune(5000);
  EXPECT_TRUE(l.contains(kRoom));
}

}  // namespace
}  // namespace minirtc::cluster
