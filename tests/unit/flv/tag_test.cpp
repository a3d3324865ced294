#include "flv/tag.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace minirtc::flv {
namespace {

TEST(FlvTag, FileHeaderFlags) {
  using Bytes = std::vector<std::uint8_t>;
  auto both = file_header(true, true);
  EXPECT_EQ(Bytes(both.begin(), both.end()),
            (Bytes{'F', 'L', 'V', 1, 0x05, 0, 0, 0, 9, 0, 0, 0, 0}));
  EXPECT_EQ(file_header(true, false)[4], 0x04);
  EXPECT_EQ(file_header(false, true)[4], 0x01);
  EXPECT_EQ(file_header(false, false)[4], 0x00);
}

TEST(FlvTag, TagHeaderLayout) {
  auto h = tag_header(TagType::Video, 0x012345, 0x00ABCDEF);
  std::vector<std::uint8_t> got(h.begin(), h.end());
  EXPECT_EQ(got, (std::vector<std::uint8_t>{9, 0x01, 0x23, 0x45, 0xAB, 0xCD, 0xEF, 0x00, 0, 0, 0}));
}

TEST(FlvTag, ExtendedTimestampGoesInTheFourthByte) {
  auto h = tag_header(TagType::Audio, 1, 0x12345678);
  EXPECT_EQ(h[0], 8);
  EXPECT_EQ(h[4], 0x34);
  EXPECT_EQ(h[5], 0x56);
  EXPECT_EQ(h[6], 0x78);
  EXPECT_EQ(h[7], 0x12);
}

TEST(FlvTag, WriteTagAppendsHeaderPayloadAndPreviousTagSize) {
  std::vector<std::uint8_t> out{0xEE};  // existing content stays
  const std::vector<std::uint8_t> payload{1, 2, 3};
  write_tag(TagType::Script, 0x01000002, payload, out);
  ASSERT_EQ(out.size(), 1 + 11 + 3 + 4);
  EXPECT_EQ(out[0], 0xEE);
  EXPECT_EQ(out[1], 18);
  EXPECT_EQ(out[4], 3);     // data size low byte
  EXPECT_EQ(out[7], 0x02);  // timestamp low byte
  EXPECT_EQ(out[8], 0x01);  // extended byte
  EXPECT_EQ(out[12], 1);
  EXPECT_EQ(out[14], 3);
  EXPECT_EQ(out[15], 0);
  EXPECT_EQ(out[18], 14);  // 11 + 3
}

TEST(FlvTag, EmptyPayload) {
  std::vector<std::uint8_t> out;
  write_tag(TagType::Video, 0, {}, out);
  ASSERT_EQ(out.size(), 15u);
  EXPECT_EQ(out[14], 11);
}

TEST(FlvTag, FourCc) {
  EXPECT_EQ(fourcc('a', 'v', 'c', '1'), 0x61766331u);
  EXPECT_EQ(fourcc('h', 'v', 'c', '1'), 0x68766331u);
}

}  // namespace
}  // namespace minirtc::flv
