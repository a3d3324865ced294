// Signed download URLs of recordings (record/download_url.hpp).
#include "record/download_url.hpp"

#include <gtest/gtest.h>

#include "record/recording.hpp"

namespace minirtc::record {
namespace {

const std::string kId = make_recording_id(1764658800123, "0badf00d");
constexpr std::string_view kKey = "app-key";

std::string query_of(const std::string& target) {
  return target.substr(target.find('?') + 1);
}

TEST(DownloadUrl, SignedTargetVerifiesUntilItExpires) {
  const auto target = download_target(kId, 1000, kKey);
  EXPECT_EQ(target.substr(0, target.find('?')), "/v1/recordings/" + kId + ".mp4");
  const auto q = query_of(target);
  EXPECT_TRUE(verify_download(kId, q, kKey, 999));
  EXPECT_TRUE(verify_download(kId, q, kKey, 1000));
  auto late = verify_download(kId, q, kKey, 1001);
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().reason, "download URL expired");
}

TEST(DownloadUrl, OtherKeyOtherIdOrChangedExpiryIsRefused) {
  const auto q = query_of(download_target(kId, 1000, kKey));
  EXPECT_FALSE(verify_download(kId, q, "other-key", 0));
  EXPECT_FALSE(verify_download(make_recording_id(1, "00000000"), q, kKey, 0));
  auto longer = q;
  longer.replace(longer.find("e=1000"), 6, "e=9000");
  EXPECT_FALSE(verify_download(kId, longer, kKey, 0));
}

TEST(DownloadUrl, MalformedQueriesAreRefused) {
  const auto q = query_of(download_target(kId, 1000, kKey));
  EXPECT_FALSE(verify_download(kId, "", kKey, 0));
  EXPECT_FALSE(verify_download(kId, "e=1000", kKey, 0));
  EXPECT_FALSE(verify_download(kId, q + "&e=1000", kKey, 0));  // repeated field
  EXPECT_FALSE(verify_download(kId, "e=01000&s=" + q.substr(q.find("s=") + 2), kKey, 0));
  EXPECT_FALSE(verify_download(kId, "e=1000&s=xyz", kKey, 0));
  EXPECT_FALSE(verify_download(kId, std::string(300, 'a'), kKey, 0));
  EXPECT_TRUE(verify_download(kId, "x=1&" + q, kKey, 0));  // unknown fields are ignored
}

TEST(DownloadUrl, SigningInputIsDocumented) {
  EXPECT_EQ(download_signing_input(kId, 42), "minirtc-recording-v1\n" + kId + "\n42");
}

}  // namespace
}  // namespace minirtc::record
