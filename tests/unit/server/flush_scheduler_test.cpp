// FlushScheduler: one flush per waiting connection per round, rounds in slices with other
// handlers running between them, and requests during a round joining it or the next one.

#include "server/flush_scheduler.hpp"

#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

namespace minirtc::server {
namespace {

using namespace std::chrono_literals;

struct Log {
  std::vector<int> flushed;  // ids in flush order; -1 marks "another handler ran"
};

class CountingTarget : public Flushable {
 public:
  CountingTarget(int id, Log& log) : id_(id), log_(log) {}
  void flush() override {
    ++flushes;
    log_.flushed.push_back(id_);
    if (on_flush) on_flush();
  }
  int flushes = 0;
  std::function<void()> on_flush;

 private:
  int id_;
  Log& log_;
};

std::vector<std::shared_ptr<CountingTarget>> make_targets(int n, Log& log) {
  std::vector<std::shared_ptr<CountingTarget>> v;
  for (int i = 0; i < n; ++i) v.push_back(std::make_shared<CountingTarget>(i, log));
  return v;
}

TEST(FlushScheduler, EachWaitingTargetIsFlushedOncePerRound) {
  boost::asio::io_context io;
  FlushScheduler flusher(io.get_executor(), 1ms);
  Log log;
  auto targets = make_targets(3, log);
  for (int repeat = 0; repeat < 3; ++repeat)
    for (auto& t : targets) flusher.schedule(t);
  EXPECT_TRUE(log.flushed.empty()) << "nothing before the window ends";
  io.run();
  EXPECT_EQ(log.flushed, (std::vector<int>{0, 1, 2}));
}

TEST(FlushScheduler, LargeRoundRunsInSlicesWithOtherHandlersBetween) {
  boost::asio::io_context io;
  FlushScheduler flusher(io.get_executor(), 0ms);
  Log log;
  const int n = static_cast<int>(2 * FlushScheduler::kSliceSize + 10);
  auto targets = make_targets(n, log);
  for (auto& t : targets) flusher.schedule(t);
  // A handler queued behind the round's first slice, as a publisher's read would be.
  boost::asio::post(io, [&] { boost::asio::post(io, [&] { log.flushed.push_back(-1); }); });
  io.run();
  ASSERT_EQ(log.flushed.size(), static_cast<std::size_t>(n) + 1);
  const auto marker = std::find(log.flushed.begin(), log.flushed.end(), -1) - log.flushed.begin();
  EXPECT_GE(marker, static_cast<long>(FlushScheduler::kSliceSize)) << "inside the first slice";
  EXPECT_LT(marker, n) << "the other handler waited for the whole round";
  for (auto& t : targets) EXPECT_EQ(t->flushes, 1);
}

TEST(FlushScheduler, RequestsDuringARoundJoinItOrTheNext) {
  boost::asio::io_context io;
  FlushScheduler flusher(io.get_executor(), 0ms);
  Log log;
  const int n = static_cast<int>(FlushScheduler::kSliceSize + 5);
  auto targets = make_targets(n, log);
  // When target 0 is flushed it asks again for itself (already flushed: next round) and for
  // the last target (not flushed yet: joins this round, still flushed once in it).
  targets[0]->on_flush = [&] {
    targets[0]->on_flush = nullptr;
    flusher.schedule(targets[0]);
    flusher.schedule(targets.back());
  };
  for (auto& t : targets) flusher.schedule(t);
  io.run();
  EXPECT_EQ(targets[0]->flushes, 2);
  EXPECT_EQ(targets.back()->flushes, 1);
  for (int i = 1; i + 1 < n; ++i) EXPECT_EQ(targets[i]->flushes, 1);
  EXPECT_EQ(log.flushed.back(), 0) << "the repeat comes after the round";
}

TEST(FlushScheduler, ScheduleNowFlushesWithoutTheWindow) {
  boost::asio::io_context io;
  FlushScheduler flusher(io.get_executor(), std::chrono::hours(1));
  Log log;
  auto targets = make_targets(1, log);
  flusher.schedule_now(targets[0]);
  flusher.schedule_now(targets[0]);  // one flush for both
  io.run_for(200ms);
  EXPECT_EQ(targets[0]->flushes, 1);
}

}  // namespace
TEST(FlushScheduler, WindowShrinksByWhatTheLastRoundTookBeyondTheAllowance) {
  using std::chrono::milliseconds;
  const auto allowance = FlushScheduler::kRoundAllowance;
  // Short rounds (few viewers): the whole window.
  EXPECT_EQ(FlushScheduler::shortened_window(25ms, 0ms), 25ms);
  EXPECT_EQ(FlushScheduler::shortened_window(25ms, allowance), 25ms);
  // Longer rounds: shortened by the excess, one for one.
  EXPECT_EQ(FlushScheduler::shortened_window(25ms, allowance + 5ms), 20ms);
  EXPECT_EQ(FlushScheduler::shortened_window(100ms, allowance + 30ms), 70ms);
  // A round as long as window + allowance, or longer: rounds back to back.
  EXPECT_EQ(FlushScheduler::shortened_window(25ms, allowance + 25ms), 0ms);
  EXPECT_EQ(FlushScheduler::shortened_window(25ms, 1000ms), 0ms);
  // Window 0 stays 0.
  EXPECT_EQ(FlushScheduler::shortened_window(0ms, 0ms), 0ms);
  EXPECT_EQ(FlushScheduler::shortened_window(0ms, 500ms), 0ms);
}

TEST(FlushScheduler, RecordsHowLongTheLastRoundTook) {
  boost::asio::io_context io;
  FlushScheduler flusher(io.get_executor(), 0ms);
  Log log;
  auto targets = make_targets(3, log);
  for (auto& t : targets) flusher.schedule(t);
  io.run();
  EXPECT_EQ(log.flushed.size(), 3u);
  // Three trivial flushes: well inside the allowance, so the next window is not shortened.
  EXPECT_LT(flusher.last_round(), FlushScheduler::kRoundAllowance);
}

TEST(FlushScheduler, ViewersWaitForTheWindowButRelayDownstreamsDoNot) {
  // A viewer's packets are merged; a relay downstream's are merged on the edge, not here.
  EXPECT_TRUE(FlushScheduler::merges(/*relay_downstream=*/false));
  EXPECT_FALSE(FlushScheduler::merges(/*relay_downstream=*/true));
}

}  // namespace minirtc::server
