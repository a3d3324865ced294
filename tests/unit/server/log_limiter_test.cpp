// The rate-limited logging rule (server/log_limiter.hpp) and the accept loop's backoff.

#include "server/log_limiter.hpp"

#include <chrono>
#include <cstdint>
#include <random>

#include <gtest/gtest.h>

#include "server/accept_loop.hpp"

namespace minirtc::server {
namespace {

TEST(LogLimiter, AtMostNLinesPerWindowThenOneSummary) {
  LogLimiter l({3, 1000});
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(l.on_line("k", 100 + i).emit);
  for (int i = 0; i < 7; ++i) {
    auto d = l.on_line("k", 200 + i);
    EXPECT_FALSE(d.emit);
    EXPECT_EQ(d.suppressed, 0u);
  }
  // The window (from t=100) ends at 1100: the next line reports the 7, once.
  auto d = l.on_line("k", 1100);
  EXPECT_TRUE(d.emit);
  EXPECT_EQ(d.suppressed, 7u);
  EXPECT_EQ(l.on_line("k", 1101).suppressed, 0u);
}

TEST(LogLimiter, KeysAreIndependent) {
  LogLimiter l({1, 1000});
  EXPECT_TRUE(l.on_line("a", 0).emit);
  EXPECT_FALSE(l.on_line("a", 1).emit);
  EXPECT_TRUE(l.on_line("b", 2).emit);
  EXPECT_EQ(l.keys(), 2u);
}

TEST(LogLimiter, SweepReportsEndedWindowsOnceAndForgetsThem) {
  LogLimiter l({1, 1000});
  l.on_line("a", 0);
  l.on_line("a", 1);
  l.on_line("a", 2);
  l.on_line("b", 500);
  EXPECT_TRUE(l.sweep(999).empty());
  auto due = l.sweep(1000);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].first, "a");
  EXPECT_EQ(due[0].second, 2u);
  EXPECT_EQ(l.keys(), 1u);             // "a" forgotten, "b" still in its window
  EXPECT_TRUE(l.sweep(1500).empty());  // "b" held nothing back: forgotten silently
  EXPECT_EQ(l.keys(), 0u);
  // After the summary, "a" starts afresh: nothing reported twice.
  auto d = l.on_line("a", 1600);
  EXPECT_TRUE(d.emit);
  EXPECT_EQ(d.suppressed, 0u);
}

TEST(LogLimiter, RandomStreamsWriteAtMostNPerWindowAndLoseNoCount) {
  std::mt19937 rng(7);
  for (int round = 0; round < 50; ++round) {
    const std::uint32_t n = 1 + rng() % 5;
    const std::uint64_t interval = 10 + rng() % 100;
    LogLimiter l({n, interval});
    std::uint64_t now = 0, lines = 0, written = 0, reported = 0;
    std::uint64_t window_start = 0, in_window = 0;
    bool open = false;
    for (int i = 0; i < 2000; ++i) {
      now += rng() % 7;
      if (rng() % 5 == 0) {
        for (auto& [key, count] : l.sweep(now)) reported += count;
        if (open && now - window_start >= interval) open = false;
      }
      ++lines;
      auto d = l.on_line("k", now);
      reported += d.suppressed;
      if (!open || now - window_start >= interval) {
        open = true;
        window_start = now;
        in_window = 0;
      }
      if (d.emit) {
        ++written;
        ++in_window;
      }
      ASSERT_LE(in_window, n);
    }
    for (auto& [key, count] : l.sweep(now + interval)) reported += count;
    EXPECT_EQ(written + reported, lines);  // every line is written or counted in a summary
  }
}

TEST(AcceptBackoff, DoublesFrom50msTo1sAndRestartsAfterSuccess) {
  using std::chrono::milliseconds;
  milliseconds d{0};
  std::vector<long> seen;
  for (int i = 0; i < 8; ++i) seen.push_back((d = AcceptBackoff::next(d)).count());
  EXPECT_EQ(seen, (std::vector<long>{50, 100, 200, 400, 800, 1000, 1000, 1000}));
  EXPECT_EQ(AcceptBackoff::next(milliseconds{0}).count(), 50);  // a success resets to zero
}

TEST(AcceptBackoff, OnlyResourceExhaustionBacksOff) {
  using boost::system::error_code;
  using boost::system::system_category;
  EXPECT_TRUE(is_resource_exhaustion(error_code(EMFILE, system_category())));
  EXPECT_TRUE(is_resource_exhaustion(error_code(ENFILE, system_category())));
  EXPECT_TRUE(is_resource_exhaustion(error_code(ENOBUFS, system_category())));
  EXPECT_FALSE(is_resource_exhaustion(error_code(ECONNABORTED, system_category())));
  EXPECT_FALSE(is_resource_exhaustion(error_code()));
}

}  // namespace
}  // namespace minirtc::server
