#include "auth/hmac.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "util/hex.hpp"

namespace minirtc::auth {
namespace {

TEST(HmacSha256, Rfc4231Case2) {
  EXPECT_EQ(to_hex(hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(HmacSha256, EmptyKeyAndData) {
  EXPECT_EQ(to_hex(hmac_sha256("", "")),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST(ConstantTimeEqual, ComparesSizeAndBytes) {
  const std::uint8_t a[] = {1, 2, 3}, b[] = {1, 2, 3}, c[] = {1, 2, 4}, d[] = {1, 2};
  EXPECT_TRUE(constant_time_equal(a, b));
  EXPECT_FALSE(constant_time_equal(a, c));
  EXPECT_FALSE(constant_time_equal(a, d));
  EXPECT_TRUE(
      constant_time_equal(std::span<const std::uint8_t>{}, std::span<const std::uint8_t>{}));
  EXPECT_TRUE(constant_time_equal(std::string_view{}, std::string_view{}));
  EXPECT_TRUE(constant_time_equal("token", "token"));
  EXPECT_FALSE(constant_time_equal("token", "tokeN"));
  EXPECT_FALSE(constant_time_equal("token", "token2"));
}

TEST(Random, HexHasRightShapeAndVaries) {
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    auto h = random_hex(8);
    ASSERT_EQ(h.size(), 16u);
    EXPECT_EQ(h.find_first_not_of("0123456789abcdef"), std::string::npos);
    seen.insert(h);
  }
  EXPECT_EQ(seen.size(), 50u);
  std::set<std::uint32_t> values;
  for (int i = 0; i < 50; ++i) values.insert(random_u32());
  EXPECT_GT(values.size(), 45u);
}

}  // namespace
}  // namespace minirtc::auth
