// The relay rule (server/relay_policy.hpp): one upstream per stream, the grace, the backoff.
#include "server/relay_policy.hpp"

#include <gtest/gtest.h>

namespace minirtc::server {
namespace {

constexpr RelayTiming kTiming{.idle_grace_ms = 5000, .retry_initial_ms = 500, .retry_max_ms = 8000};

RelayDemand viewers(std::size_t n) {
  return RelayDemand{.viewers = n, .published_here = false, .origin_known = true, .origin = {}};
}

TEST(RelayPolicy, OneUpstreamWhateverTheViewers) {
  RelayState s;
  EXPECT_EQ(relay_decide(s, viewers(1), 1000, kTiming), RelayAction::Open);
  EXPECT_TRUE(s.upstream);
  for (std::size_t n : {1, 2, 50, 1})
    EXPECT_EQ(relay_decide(s, viewers(n), 1100, kTiming), RelayAction::Keep);
}

TEST(RelayPolicy, ClosedAfterTheGraceOnly) {
  RelayState s;
  relay_decide(s, viewers(2), 1000, kTiming);
  EXPECT_EQ(relay_decide(s, viewers(0), 2000, kTiming), RelayAction::Keep);
  EXPECT_EQ(s.idle_since_ms, 2000u);
  EXPECT_EQ(relay_decide(s, viewers(0), 6999, kTiming), RelayAction::Keep);
  EXPECT_EQ(relay_decide(s, viewers(0), 7000, kTiming), RelayAction::Close);
  EXPECT_FALSE(s.upstream);
}

TEST(RelayPolicy, AViewerWithinTheGraceKeepsIt) {
  RelayState s;
  relay_decide(s, viewers(1), 1000, kTiming);
  relay_decide(s, viewers(0), 2000, kTiming);
  EXPECT_EQ(relay_decide(s, viewers(1), 6000, kTiming), RelayAction::Keep);
  EXPECT_EQ(s.idle_since_ms, 0u);
  // The grace counts again from the next time the last viewer leaves.
  EXPECT_EQ(relay_decide(s, viewers(0), 8000, kTiming), RelayAction::Keep);
  EXPECT_EQ(relay_decide(s, viewers(0), 12999, kTiming), RelayAction::Keep);
  EXPECT_EQ(relay_decide(s, viewers(0), 13000, kTiming), RelayAction::Close);
}

TEST(RelayPolicy, ZeroGraceClosesWithTheLastViewer) {
  RelayTiming t = kTiming;
  t.idle_grace_ms = 0;
  RelayState s;
  relay_decide(s, viewers(1), 1000, t);
  EXPECT_EQ(relay_decide(s, viewers(0), 1000, t), RelayAction::Close);
}

TEST(RelayPolicy, LocalPublisherOrNoOriginClosesAtOnce) {
  for (auto demand :
       {RelayDemand{.viewers = 3, .published_here = true, .origin_known = true, .origin = {}},
        RelayDemand{.viewers = 3, .published_here = false, .origin_known = false, .origin = {}}}) {
    RelayState s;
    relay_decide(s, viewers(3), 1000, kTiming);
    EXPECT_EQ(relay_decide(s, demand, 1001, kTiming), RelayAction::Close);
    EXPECT_EQ(relay_decide(s, demand, 1002, kTiming), RelayAction::Forget);
  }
}

TEST(RelayPolicy, NothingWithoutViewers) {
  RelayState s;
  EXPECT_EQ(relay_decide(s, viewers(0), 1000, kTiming), RelayAction::Forget);
  EXPECT_FALSE(s.upstream);
}

TEST(RelayPolicy, BackoffDoublesUpToTheMaximum) {
  EXPECT_EQ(relay_backoff_ms(1, kTiming), 500u);
  EXPECT_EQ(relay_backoff_ms(2, kTiming), 1000u);
  EXPECT_EQ(relay_backoff_ms(3, kTiming), 2000u);
  EXPECT_EQ(relay_backoff_ms(4, kTiming), 4000u);
  EXPECT_EQ(relay_backoff_ms(5, kTiming), 8000u);
  EXPECT_EQ(relay_backoff_ms(6, kTiming), 8000u);
  EXPECT_EQ(relay_backoff_ms(4000000000u, kTiming), 8000u);
}

TEST(RelayPolicy, FailedUpstreamsAreRetriedWithBackoff) {
  RelayState s;
  relay_decide(s, viewers(1), 1000, kTiming);
  relay_upstream_ended(s, false, 1200, kTiming);  // refused
  EXPECT_FALSE(s.upstream);
  EXPECT_EQ(s.retry_at_ms, 1700u);
  EXPECT_EQ(relay_decide(s, viewers(1), 1699, kTiming), RelayAction::Keep);  // viewers wait
  EXPECT_EQ(relay_decide(s, viewers(1), 1700, kTiming), RelayAction::Open);
  relay_upstream_ended(s, false, 1800, kTiming);
  EXPECT_EQ(s.retry_at_ms, 2800u);
  EXPECT_EQ(relay_decide(s, viewers(1), 2800, kTiming), RelayAction::Open);
  relay_upstream_ended(s, false, 2900, kTiming);
  EXPECT_EQ(s.retry_at_ms, 4900u);
  // An upstream that delivered media starts the count over.
  EXPECT_EQ(relay_decide(s, viewers(1), 4900, kTiming), RelayAction::Open);
  relay_upstream_ended(s, true, 60000, kTiming);
  EXPECT_EQ(s.failures, 1u);
  EXPECT_EQ(s.retry_at_ms, 60500u);
}

TEST(RelayPolicy, AnotherOriginIsTriedAtOnceTheSameOneWaitsItsBackoff) {
  RelayState s;
  auto at = [](std::string_view origin) {
    return RelayDemand{
        .viewers = 1, .published_here = false, .origin_known = true, .origin = origin};
  };
  EXPECT_EQ(relay_decide(s, at("rtmp://a:1"), 1000, kTiming), RelayAction::Open);
  relay_upstream_ended(s, false, 1100, kTiming);
  relay_decide(s, at("rtmp://a:1"), 1600, kTiming);
  relay_upstream_ended(s, false, 1700, kTiming);  // a is dead: 2 failures, retry at 2700
  EXPECT_EQ(relay_decide(s, at("rtmp://a:1"), 2000, kTiming), RelayAction::Keep);
  // The room moved: its new node is tried now, with a count of its own.
  EXPECT_EQ(relay_decide(s, at("rtmp://b:1"), 2000, kTiming), RelayAction::Open);
  EXPECT_EQ(s.origin, "rtmp://b:1");
  EXPECT_EQ(s.failures, 0u);
  relay_upstream_ended(s, false, 2100, kTiming);
  EXPECT_EQ(s.retry_at_ms, 2600u);  // b's first failure: the initial wait, no shortcut
  EXPECT_EQ(relay_decide(s, at("rtmp://b:1"), 2599, kTiming), RelayAction::Keep);
  EXPECT_EQ(relay_decide(s, at("rtmp://b:1"), 2600, kTiming), RelayAction::Open);
}

TEST(RelayPolicy, NoRetryWithoutViewers) {
  RelayState s;
  relay_decide(s, viewers(1), 1000, kTiming);
  relay_upstream_ended(s, false, 1200, kTiming);
  EXPECT_EQ(relay_decide(s, viewers(0), 5000, kTiming), RelayAction::Forget);
}

}  // namespace
}  // namespace minirtc::server
