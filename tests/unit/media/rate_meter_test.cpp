// RateMeter: the amount of the last complete one-second window.

#include "media/rate_meter.hpp"

#include <gtest/gtest.h>

namespace minirtc::media {
namespace {

TEST(RateMeter, ReportsTheLastCompleteWindow) {
  RateMeter m;
  m.add(100, 1000);
  m.add(50, 1999);
  EXPECT_EQ(m.per_second(1999), 0u);  // window [1000, 2000) not complete yet
  EXPECT_EQ(m.per_second(2000), 150u);
  m.add(7, 2500);
  EXPECT_EQ(m.per_second(2999), 150u);
  EXPECT_EQ(m.per_second(3000), 7u);
  EXPECT_EQ(m.total(), 157u);
}

TEST(RateMeter, ZeroAfterAQuietWindow) {
  RateMeter m;
  m.add(100, 1000);
  EXPECT_EQ(m.per_second(3000), 0u);  // [2000, 3000) had nothing
  m.add(100, 5000);
  EXPECT_EQ(m.per_second(6500), 100u);
  EXPECT_EQ(m.per_second(7000), 0u);
  EXPECT_EQ(m.per_second(100000), 0u);
  EXPECT_EQ(m.total(), 200u);
}

TEST(RateMeter, AddAfterAGapStartsAFreshWindow) {
  RateMeter m;
  m.add(10, 0);
  m.add(20, 999);
  m.add(5, 4200);  // [3000, 4000) had nothing: the 30 of [0, 1000) is never reported
  EXPECT_EQ(m.per_second(4999), 0u);
  EXPECT_EQ(m.per_second(5000), 5u);
}

TEST(RateMeter, CountsEvents) {
  RateMeter fps;
  for (std::uint64_t t = 10000; t < 11000; t += 40) fps.add(1, t);
  EXPECT_EQ(fps.per_second(11000), 25u);
  EXPECT_EQ(fps.total(), 25u);
}

}  // namespace
}  // namespace minirtc::media
