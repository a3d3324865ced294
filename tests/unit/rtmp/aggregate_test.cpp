// Aggregate messages: FLV-tag sub-messages with rebased timestamps.
#include "rtmp/aggregate.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "util/byte_writer.hpp"

namespace minirtc::rtmp {
namespace {

using Bytes = std::vector<std::uint8_t>;

void put_tag(Bytes& out, std::uint8_t type, std::uint32_t ts, const Bytes& body,
             bool back_pointer = true) {
  ByteWriter w(out);
  w.u8(type);
  w.u24be(static_cast<std::uint32_t>(body.size()));
  w.u24be(ts & 0xffffff);
  w.u8(static_cast<std::uint8_t>(ts >> 24));
  w.u24be(0);
  w.bytes(body);
  if (back_pointer) w.u32be(static_cast<std::uint32_t>(11 + body.size()));
}

Message aggregate(Bytes payload, std::uint32_t ts = 5000) {
  Message m;
  m.csid = 6;
  m.type = to_u8(MessageType::Aggregate);
  m.timestamp = ts;
  m.stream_id = 1;
  m.payload = SharedBuffer(std::move(payload));
  return m;
}

TEST(Aggregate, SplitsAndRebases) {
  Bytes p;
  put_tag(p, 9, 1000, {0x17, 0x01, 0xaa});
  put_tag(p, 8, 1020, {0xaf, 0x01});
  put_tag(p, 18, 1040, {0x02, 0x00, 0x00});
  put_tag(p, 9, 0x01000000 + 1000, {0x27});  // timestamp extension byte
  auto r = split_aggregate(aggregate(p));
  ASSERT_TRUE(r.ok()) << r.error().reason;
  ASSERT_EQ(r->size(), 4u);
  const std::uint8_t types[] = {9, 8, 18, 9};
  const std::uint32_t ts[] = {5000, 5020, 5040, 5000 + 0x01000000};
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ((*r)[i].type, types[i]);
    EXPECT_EQ((*r)[i].timestamp, ts[i]);
    EXPECT_EQ((*r)[i].csid, 6u);
    EXPECT_EQ((*r)[i].stream_id, 1u);
  }
  EXPECT_EQ((*r)[0].payload.size(), 3u);
  EXPECT_EQ((*r)[0].payload.data()[2], 0xaa);
  EXPECT_EQ((*r)[3].payload.size(), 1u);
}

TEST(Aggregate, TimestampBelowFirstWrapsLikeRtmp) {
  Bytes p;
  put_tag(p, 9, 1000, {1});
  put_tag(p, 9, 990, {2});
  auto r = split_aggregate(aggregate(p, 100));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[1].timestamp, 90u);
}

TEST(Aggregate, LastBackPointerOptionalAndEmptyAggregate) {
  Bytes p;
  put_tag(p, 8, 0, {1, 2});
  put_tag(p, 8, 10, {3}, /*back_pointer=*/false);
  auto r = split_aggregate(aggregate(p));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->size(), 2u);
  auto empty = split_aggregate(aggregate({}));
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(Aggregate, Malformed) {
  Message not_agg = aggregate({});
  not_agg.type = 9;
  EXPECT_FALSE(split_aggregate(not_agg).ok());

  Bytes good;
  put_tag(good, 9, 0, {1, 2, 3, 4});
  put_tag(good, 9, 0, {5, 6});
  for (std::size_t n = 1; n < good.size(); ++n) {
    // Every truncation fails, except exactly at a tag boundary or before a final back pointer.
    const bool boundary = n == 19 || n == 15 || n == good.size() - 4;
    auto r = split_aggregate(aggregate(Bytes(good.begin(), good.begin() + static_cast<long>(n))));
    EXPECT_EQ(r.ok(), boundary) << n;
  }
  Bytes bad_type;
  put_tag(bad_type, 20, 0, {1});
  EXPECT_NE(split_aggregate(aggregate(bad_type)).error().reason.find("type 20"), std::string::npos);
  Bytes nested;
  put_tag(nested, 22, 0, {1});
  EXPECT_FALSE(split_aggregate(aggregate(nested)).ok());
  Bytes huge;
  ByteWriter(huge).bytes(Bytes{9, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 1});
  EXPECT_FALSE(split_aggregate(aggregate(huge)).ok());
}

TEST(Aggregate, MessageCountLimit) {
  Bytes p;
  for (int i = 0; i < 10; ++i) put_tag(p, 8, static_cast<std::uint32_t>(i), {1});
  AggregateLimits limits;
  limits.max_messages = 10;
  EXPECT_TRUE(split_aggregate(aggregate(p), limits).ok());
  limits.max_messages = 9;
  EXPECT_FALSE(split_aggregate(aggregate(p), limits).ok());
}

}  // namespace
}  // namespace minirtc::rtmp
