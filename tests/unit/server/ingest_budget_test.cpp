// IngestBudget: the rule that bounds what all RTMP connections together hold in incomplete
// messages (server/ingest_budget.hpp).

#include "server/ingest_budget.hpp"

#include <gtest/gtest.h>

namespace minirtc::server {
namespace {

using Holder = IngestBudget::Holder;
constexpr std::uint64_t kMiB = 1u << 20;

TEST(IngestBudget, UnauthorizedConnectionsShareAQuarter) {
  IngestBudget b(100 * kMiB);
  EXPECT_EQ(b.unauthorized_limit(), 25 * kMiB);
  IngestBudget::Account x, y;
  EXPECT_TRUE(b.update(x, Holder::Unauthorized, 20 * kMiB));
  EXPECT_TRUE(b.update(y, Holder::Unauthorized, 5 * kMiB));  // exactly the share: kept
  EXPECT_EQ(b.used_by(Holder::Unauthorized), 25 * kMiB);
  // y grows past the share: y is the one to close, though x holds more.
  EXPECT_FALSE(b.update(y, Holder::Unauthorized, 5 * kMiB + 1));
  // x did not grow: it is never closed, even while the share is passed.
  EXPECT_TRUE(b.update(x, Holder::Unauthorized, 20 * kMiB));
  EXPECT_TRUE(b.update(x, Holder::Unauthorized, 19 * kMiB));
  b.release(y);
  EXPECT_EQ(b.used(), 19 * kMiB);
}

TEST(IngestBudget, PublishersMayUseTheWholeBudget) {
  IngestBudget b(100 * kMiB);
  IngestBudget::Account stranger, pub1, pub2;
  EXPECT_TRUE(b.update(stranger, Holder::Unauthorized, 25 * kMiB));
  EXPECT_TRUE(b.update(pub1, Holder::Publisher, 70 * kMiB));
  EXPECT_TRUE(b.update(pub2, Holder::Publisher, 5 * kMiB));
  EXPECT_EQ(b.used(), 100 * kMiB);
  EXPECT_FALSE(b.update(pub2, Holder::Publisher, 6 * kMiB));  // the total is passed
  EXPECT_EQ(b.used_by(Holder::Publisher), 76 * kMiB);         // counted until released
  b.release(pub2);
  b.release(pub2);  // idempotent
  EXPECT_EQ(b.used(), 95 * kMiB);
}

TEST(IngestBudget, BecomingAPublisherMovesBytesWithoutClosing) {
  IngestBudget b(100 * kMiB);
  IngestBudget::Account a, other;
  EXPECT_TRUE(b.update(other, Holder::Publisher, 100 * kMiB));
  EXPECT_FALSE(b.update(a, Holder::Unauthorized, 1));  // over the total
  b.release(a);
  EXPECT_TRUE(b.update(other, Holder::Publisher, 99 * kMiB));
  EXPECT_TRUE(b.update(a, Holder::Unauthorized, 1000));
  // Same bytes, new kind: nothing grew, nothing is closed, the bytes change sides.
  EXPECT_TRUE(b.update(a, Holder::Publisher, 1000));
  EXPECT_EQ(b.used_by(Holder::Unauthorized), 0u);
  EXPECT_EQ(b.used_by(Holder::Publisher), 99 * kMiB + 1000);
}

TEST(IngestBudget, NewConnectionsNeedRoomForTheirWholeAllowance) {
  IngestBudget b(4 * kMiB);  // 1 MiB for unauthorized connections
  const std::uint64_t allowance = 32 * 1024;
  std::vector<IngestBudget::Account> conns(32);
  for (auto& c : conns) {
    ASSERT_TRUE(b.admits(allowance));
    ASSERT_TRUE(b.update(c, Holder::Unauthorized, allowance));
  }
  EXPECT_EQ(b.used_by(Holder::Unauthorized), kMiB);
  EXPECT_FALSE(b.admits(allowance));
  b.release(conns.back());
  EXPECT_TRUE(b.admits(allowance));
  // Publishers filling the rest of the budget refuse newcomers too.
  IngestBudget::Account pub;
  EXPECT_TRUE(b.update(pub, Holder::Publisher, 3 * kMiB + 1));
  EXPECT_FALSE(b.admits(allowance));
}

}  // namespace
}  // namespace minirtc::server
