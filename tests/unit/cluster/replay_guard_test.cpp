// cluster/replay_guard.hpp: a broadcast id is accepted once within its signature's window,
// forgotten after it, and the table never holds more than its bound.

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "cluster/replay_guard.hpp"

namespace minirtc::cluster {
namespace {

using Verdict = ReplayGuard::Verdict;

constexpr std::uint64_t kSkew = 30'000;
constexpr std::uint64_t kT0 = 1'796'187'219'000;

/// The n-th id: 32 lower-case hex characters.
std::string id(unsigned n) {
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016x%016x", n * 7919u, n);
  return buf;
}

TEST(ReplayGuard, AMessageIsAcceptedOnceWithinItsWindow) {
  ReplayGuard g(kSkew);
  EXPECT_EQ(g.admit(id(1), kT0, kT0), Verdict::Fresh);
  EXPECT_EQ(g.admit(id(1), kT0, kT0), Verdict::Replay);
  // Replayed at the last moment its signature would still verify (sent + skew): dropped.
  EXPECT_EQ(g.admit(id(1), kT0, kT0 + kSkew), Verdict::Replay);
  // Another id, and the same id under another sending time (the id alone counts).
  EXPECT_EQ(g.admit(id(2), kT0, kT0 + 5), Verdict::Fresh);
  EXPECT_EQ(g.admit(id(2), kT0 + 10, kT0 + 10), Verdict::Replay);
  EXPECT_EQ(g.size(), 2u);
}

TEST(ReplayGuard, IdsAreForgottenWhenTheirSignatureWouldNoLongerVerify) {
  ReplayGuard g(kSkew);
  EXPECT_EQ(g.admit(id(1), kT0, kT0), Verdict::Fresh);
  // Signed in the future (within the skew): kept until its own sent + skew.
  EXPECT_EQ(g.admit(id(2), kT0 + kSkew, kT0), Verdict::Fresh);
  EXPECT_EQ(g.size(), 2u);
  // Past id 1's window: forgotten (verify_node_message would refuse it as too old anyway).
  EXPECT_EQ(g.admit(id(3), kT0 + kSkew + 1, kT0 + kSkew + 1), Verdict::Fresh);
  EXPECT_EQ(g.size(), 2u);
  EXPECT_EQ(g.admit(id(2), kT0 + kSkew, kT0 + 2 * kSkew), Verdict::Replay);
  EXPECT_EQ(g.admit(id(2), kT0 + kSkew, kT0 + 2 * kSkew + 1), Verdict::Fresh);
  // A message already past its window is not remembered.
  ReplayGuard h(kSkew);
  EXPECT_EQ(h.admit(id(9), kT0, kT0 + kSkew + 1), Verdict::Fresh);
  EXPECT_EQ(h.size(), 0u);
}

TEST(ReplayGuard, MemoryIsBoundedAndTheSoonestToExpireGoesFirst) {
  ReplayGuard g(kSkew, 100);
  for (unsigned i = 0; i < 100; ++i) EXPECT_EQ(g.admit(id(i), kT0 + i, kT0 + i), Verdict::Fresh);
  EXPECT_EQ(g.size(), 100u);
  EXPECT_EQ(g.evicted(), 0u);
  // 1,000 more within the same window: the table stays at 100, the oldest ids are forgotten.
  for (unsigned i = 100; i < 1100; ++i) EXPECT_EQ(g.admit(id(i), kT0 + i, kT0 + i), Verdict::Fresh);
  EXPECT_EQ(g.size(), 100u);
  EXPECT_EQ(g.evicted(), 1000u);
  // The newest 100 are still known; the first one was forgotten early (the cost of the bound).
  for (unsigned i = 1000; i < 1100; ++i)
    EXPECT_EQ(g.admit(id(i), kT0 + i, kT0 + 1100), Verdict::Replay) << i;
  EXPECT_EQ(g.admit(id(0), kT0, kT0 + 1100), Verdict::Fresh);
}

TEST(ReplayGuard, RefusesWhatIsNotAnId) {
  ReplayGuard g(kSkew);
  for (const std::string& bad : {std::string(), std::string("0123"), id(1) + "0",
                                 std::string("0123456789ABCDEF0123456789abcdef"),
                                 std::string("0123456789abcdef0123456789abcdeg")})
    EXPECT_EQ(g.admit(bad, kT0, kT0), Verdict::BadId) << bad;
  EXPECT_EQ(g.size(), 0u);
}

}  // namespace
}  // namespace minirtc::cluster
