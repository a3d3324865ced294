#include "auth/base64.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace minirtc::auth {
namespace {

std::vector<std::uint8_t> bytes_of(std::string_view s) {
  return {s.begin(), s.end()};
}

TEST(Base64, Rfc4648Vectors) {
  const std::pair<std::string_view, std::string_view> vectors[] = {{"", ""},
                                                                   {"f", "Zg=="},
                                                                   {"fo", "Zm8="},
                                                                   {"foo", "Zm9v"},
                                                                   {"foob", "Zm9vYg=="},
                                                                   {"fooba", "Zm9vYmE="},
                                                                   {"foobar", "Zm9vYmFy"}};
  for (auto [plain, encoded] : vectors) {
    EXPECT_EQ(base64_encode(bytes_of(plain)), encoded);
    auto decoded = base64_decode(encoded);
    ASSERT_TRUE(decoded) << encoded;
    EXPECT_EQ(*decoded, bytes_of(plain));
  }
}

TEST(Base64, RoundTripsEveryByteAndLength) {
  std::vector<std::uint8_t> data;
  for (int n = 0; n < 300; ++n) {
    auto text = base64_encode(data);
    auto back = base64_decode(text);
    ASSERT_TRUE(back) << n;
    EXPECT_EQ(*back, data);
    data.push_back(static_cast<std::uint8_t>(n * 7 + 3));
  }
}

TEST(Base64, UsesStandardAlphabet) {
  const std::vector<std::uint8_t> data = {0xfb, 0xff, 0xbf};
  EXPECT_EQ(base64_encode(data), "+/+/");
}

TEST(Base64, RefusesNonCanonicalOrMalformed) {
  for (std::string_view bad : {"Zg", "Zg=", "Zm8", "Zh==", "Zm9=", "Z===", "====", "Zg==Zg==",
                               "Zm-v", "Zm_v", "Zm9v\n", " Zm9v", "Zg=a", "Z=g=", "Zm9vYg"}) {
    EXPECT_FALSE(base64_decode(bad)) << bad;
  }
}

}  // namespace
}  // namespace minirtc::auth
