// api/forward_limiter.hpp: reports forwarded to other nodes, per client address and per node,
// with a hand-moved clock.

#include <gtest/gtest.h>

#include <string>

#include "api/forward_limiter.hpp"

namespace minirtc::api {
namespace {

using Verdict = ForwardLimiter::Verdict;
constexpr std::uint64_t kT0 = 1'796'187'219'000;

ForwardLimits limits(std::uint32_t client_rate, std::uint32_t client_burst, std::uint32_t node_rate,
                     std::uint32_t node_burst, std::size_t max_clients = 10000) {
  ForwardLimits l;
  l.client_rate_per_s = client_rate;
  l.client_burst = client_burst;
  l.node_rate_per_s = node_rate;
  l.node_burst = node_burst;
  l.max_clients = max_clients;
  return l;
}

TEST(ForwardLimiter, AClientGetsItsBurstThenItsRate) {
  ForwardLimiter f(limits(5, 20, 1000, 1000));
  for (int i = 0; i < 20; ++i) EXPECT_EQ(f.admit("10.0.0.1", kT0).verdict, Verdict::Allowed) << i;
  auto over = f.admit("10.0.0.1", kT0);
  EXPECT_EQ(over.verdict, Verdict::ClientOver);
  EXPECT_EQ(over.retry_after_ms, 200u);  // one token at 5 a second
  // Another address has its own bucket.
  EXPECT_EQ(f.admit("10.0.0.2", kT0).verdict, Verdict::Allowed);
  // 199 ms later still nothing; at 200 ms one more, then refused again.
  EXPECT_EQ(f.admit("10.0.0.1", kT0 + 199).verdict, Verdict::ClientOver);
  EXPECT_EQ(f.admit("10.0.0.1", kT0 + 200).verdict, Verdict::Allowed);
  EXPECT_EQ(f.admit("10.0.0.1", kT0 + 200).verdict, Verdict::ClientOver);
  // Over a second: 5 more, whatever was asked meanwhile (refusals take no token).
  int allowed = 0;
  for (int i = 0; i < 50; ++i)
    allowed += f.admit("10.0.0.1", kT0 + 1200).verdict == Verdict::Allowed;
  EXPECT_EQ(allowed, 5);
}

TEST(ForwardLimiter, TheNodeBucketBoundsEveryClientTogether) {
  ForwardLimiter f(limits(5, 20, 10, 30));
  int allowed = 0;
  for (int c = 0; c < 10; ++c)
    for (int i = 0; i < 5; ++i)
      allowed += f.admit("10.0.0." + std::to_string(c), kT0).verdict == Verdict::Allowed;
  EXPECT_EQ(allowed, 30);
  auto over = f.admit("10.0.1.1", kT0);
  EXPECT_EQ(over.verdict, Verdict::NodeOver);
  EXPECT_EQ(over.retry_after_ms, 100u);  // one token at 10 a second
  // A refusal by the node does not spend the client's tokens: 10.0.1.1 still has its burst.
  EXPECT_EQ(f.admit("10.0.1.1", kT0 + 1000).verdict, Verdict::Allowed);
}

TEST(ForwardLimiter, ARateOfZeroTurnsItsBucketOff) {
  ForwardLimiter none(limits(0, 0, 0, 0));
  for (int i = 0; i < 10000; ++i) ASSERT_EQ(none.admit("a", kT0).verdict, Verdict::Allowed);
  EXPECT_EQ(none.clients(), 0u);
  ForwardLimiter node_only(limits(0, 0, 1, 3));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(node_only.admit("a", kT0).verdict, Verdict::Allowed);
  EXPECT_EQ(node_only.admit("b", kT0).verdict, Verdict::NodeOver);
}

TEST(ForwardLimiter, TheClientTableIsBounded) {
  ForwardLimiter f(limits(1, 2, 1000000, 1000000, 100));
  for (int c = 0; c < 100; ++c) f.admit("c" + std::to_string(c), kT0);
  EXPECT_EQ(f.clients(), 100u);
  // Full of clients whose buckets have not refilled: a newcomer is judged by the node alone...
  for (int i = 0; i < 10; ++i) EXPECT_EQ(f.admit("newcomer", kT0 + 10).verdict, Verdict::Allowed);
  EXPECT_EQ(f.clients(), 100u);
  // ...and tracked again once the others' buckets have refilled (they are forgotten).
  EXPECT_EQ(f.admit("newcomer", kT0 + 5000).verdict, Verdict::Allowed);
  EXPECT_EQ(f.clients(), 1u);
  EXPECT_EQ(f.admit("newcomer", kT0 + 5000).verdict, Verdict::Allowed);
  EXPECT_EQ(f.admit("newcomer", kT0 + 5000).verdict, Verdict::ClientOver);
}

}  // namespace
}  // namespace minirtc::api
