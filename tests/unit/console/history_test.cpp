#include "console/history.hpp"

#include <vector>

#include <gtest/gtest.h>

namespace minirtc::console {
namespace {

StreamSample s(const char* key, std::uint64_t in, std::uint64_t out, std::uint64_t kbps = 500) {
  return StreamSample{key, in, out, kbps, 25, 2};
}

TEST(ConsoleHistory, PointsPerStreamOldestFirst) {
  History h(10);
  std::vector<StreamSample> one{s("a", 0, 0, 100)};
  h.sample(1000, one);
  one[0].kbps = 200;
  h.sample(2000, one);
  const auto* a = h.stream("a");
  ASSERT_NE(a, nullptr);
  ASSERT_EQ(a->size(), 2u);
  EXPECT_EQ(a->front().t_ms, 1000u);
  EXPECT_EQ(a->front().kbps, 100u);
  EXPECT_EQ(a->back().kbps, 200u);
  EXPECT_EQ(a->back().fps, 25u);
  EXPECT_EQ(a->back().viewers, 2u);
  EXPECT_EQ(h.stream("b"), nullptr);
}

TEST(ConsoleHistory, BoundedByCapacity) {
  History h(3);
  for (std::uint64_t t = 1; t <= 10; ++t) {
    std::vector<StreamSample> one{s("a", t, t)};
    h.sample(t * 1000, one);
  }
  EXPECT_EQ(h.stream("a")->size(), 3u);
  EXPECT_EQ(h.stream("a")->front().t_ms, 8000u);
  EXPECT_EQ(h.totals().size(), 3u);
}

TEST(ConsoleHistory, TotalsAreRatesOfTheByteCounters) {
  History h;
  std::vector<StreamSample> v{s("a", 0, 0), s("b", 1000, 0)};
  h.sample(10'000, v);
  EXPECT_EQ(h.totals().back().in_mbps, 0.0);  // no previous sample: no rate
  v = {s("a", 125'000, 250'000), s("b", 126'000, 0)};
  h.sample(11'000, v);  // one second: 125 kB + 125 kB in = 2 Mbit/s; 250 kB out = 2 Mbit/s
  EXPECT_DOUBLE_EQ(h.totals().back().in_mbps, 2.0);
  EXPECT_DOUBLE_EQ(h.totals().back().out_mbps, 2.0);
  v = {s("a", 250'000, 250'000)};
  h.sample(13'000, v);  // two seconds: 125 kB = 0.5 Mbit/s
  EXPECT_DOUBLE_EQ(h.totals().back().in_mbps, 0.5);
}

TEST(ConsoleHistory, NewOrRestartedStreamsAddNoSpike) {
  History h;
  std::vector<StreamSample> v{s("a", 5'000'000, 5'000'000)};
  h.sample(1000, v);
  v = {s("a", 1000, 1000), s("new", 9'000'000, 9'000'000)};  // a restarted, new appeared
  h.sample(2000, v);
  EXPECT_EQ(h.totals().back().in_mbps, 0.0);
  EXPECT_EQ(h.totals().back().out_mbps, 0.0);
}

TEST(ConsoleHistory, GoneStreamsLoseTheirSeries) {
  History h;
  std::vector<StreamSample> v{s("a", 0, 0), s("b", 0, 0)};
  h.sample(1000, v);
  v = {s("b", 0, 0)};
  h.sample(2000, v);
  EXPECT_EQ(h.stream("a"), nullptr);
  EXPECT_EQ(h.stream_count(), 1u);
}

}  // namespace
}  // namespace minirtc::console
