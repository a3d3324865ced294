// HeapTrimmer's rule for giving freed memory back to the system (server/heap_trim.hpp).

#include "server/heap_trim.hpp"

#include <gtest/gtest.h>

namespace minirtc::server {
namespace {

TEST(HeapTrimmer, TrimsWhenEnoughWasFreedSinceTheLowestLevel) {
  const auto m = HeapTrimmer::kMinFreedBytes;
  EXPECT_FALSE(HeapTrimmer::should_trim(0, 0));
  EXPECT_FALSE(HeapTrimmer::should_trim(m - 1, 0));
  EXPECT_TRUE(HeapTrimmer::should_trim(m, 0));
  // A large free level that did not rise (it stays after a trim) is not a reason.
  EXPECT_FALSE(HeapTrimmer::should_trim(100 * m, 100 * m));
  EXPECT_TRUE(HeapTrimmer::should_trim(101 * m, 100 * m));
}

}  // namespace
}  // namespace minirtc::server
