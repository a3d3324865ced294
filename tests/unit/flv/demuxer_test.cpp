#include "flv/demuxer.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "flv/tag.hpp"
#include "tiny_flv.hpp"

namespace minirtc::flv {
namespace {

using Bytes = std::vector<std::uint8_t>;

struct Expected {
  TagType type;
  std::uint32_t timestamp;
  Bytes data;
};

Bytes mux(const std::vector<Expected>& tags, bool audio = true, bool video = true) {
  auto header = file_header(audio, video);
  Bytes out(header.begin(), header.end());
  for (const auto& t : tags) write_tag(t.type, t.timestamp, t.data, out);
  return out;
}

Bytes payload(std::size_t n, std::uint8_t seed) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(seed + i * 7);
  return b;
}

std::vector<Expected> sample_tags() {
  return {
      {TagType::Script, 0, payload(30, 1)},
      {TagType::Video, 0, payload(300, 2)},
      {TagType::Audio, 0, payload(7, 3)},
      {TagType::Video, 40, {}},  // an empty tag is legal framing
      {TagType::Audio, 0x00FFFFFF, payload(1, 4)},
      {TagType::Video, 0x01000000, payload(70000, 5)},  // extended timestamp, > 64 KiB body
      {TagType::Audio, 0xFFFFFFFF, payload(2, 6)},
  };
}

void expect_tags(const std::vector<Tag>& got, const std::vector<Expected>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(got[i].type, want[i].type);
    EXPECT_EQ(got[i].timestamp, want[i].timestamp);
    EXPECT_EQ(Bytes(got[i].data.span().begin(), got[i].data.span().end()), want[i].data);
  }
}

TEST(FlvDemuxer, RoundTripOneFeed) {
  const auto tags = sample_tags();
  const auto bytes = mux(tags);
  Demuxer d;
  std::vector<Tag> out;
  ASSERT_TRUE(d.feed(bytes, out));
  expect_tags(out, tags);
  EXPECT_TRUE(d.header_seen());
  EXPECT_TRUE(d.has_audio());
  EXPECT_TRUE(d.has_video());
  EXPECT_TRUE(d.at_tag_boundary());
  EXPECT_EQ(d.position(), bytes.size());
}

TEST(FlvDemuxer, RoundTripByteByByte) {
  const auto tags = sample_tags();
  const auto bytes = mux(tags, false, true);
  Demuxer d;
  std::vector<Tag> out;
  EXPECT_FALSE(d.header_seen());
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    ASSERT_TRUE(d.feed(std::span(&bytes[i], 1), out)) << i;
    EXPECT_EQ(d.header_seen(), i >= 8) << i;
  }
  expect_tags(out, tags);
  EXPECT_FALSE(d.has_audio());
  EXPECT_TRUE(d.has_video());
}

TEST(FlvDemuxer, RoundTripRandomSplits) {
  const auto tags = sample_tags();
  const auto bytes = mux(tags);
  std::mt19937 rng(1234);
  for (int round = 0; round < 50; ++round) {
    Demuxer d;
    std::vector<Tag> out;
    std::size_t pos = 0;
    while (pos < bytes.size()) {
      const std::size_t n = std::min<std::size_t>(bytes.size() - pos, 1 + rng() % 2000);
      ASSERT_TRUE(d.feed(std::span(bytes).subspan(pos, n), out));
      pos += n;
    }
    expect_tags(out, tags);
  }
}

TEST(FlvDemuxer, TagIsEmittedAsSoonAsItsBodyIsComplete) {
  const Bytes bytes = mux({{TagType::Audio, 5, {1, 2}}});
  Demuxer d;
  std::vector<Tag> out;
  // Everything but the trailing PreviousTagSize: the tag is already complete.
  ASSERT_TRUE(d.feed(std::span(bytes).first(bytes.size() - 4), out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_FALSE(d.at_tag_boundary());
  ASSERT_TRUE(d.feed(std::span(bytes).last(4), out));
  EXPECT_EQ(out.size(), 1u);
  EXPECT_TRUE(d.at_tag_boundary());
}

TEST(FlvDemuxer, EmptyTagAtTheEndOfAFeed) {
  Bytes bytes = mux({{TagType::Video, 1, {}}});
  bytes.resize(bytes.size() - 4);  // stop right after the tag header
  Demuxer d;
  std::vector<Tag> out;
  ASSERT_TRUE(d.feed(bytes, out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].data.empty());
}

TEST(FlvDemuxer, RealFfmpegFile) {
  const std::span<const std::uint8_t> file(testdata::kTinyFlv);
  for (std::size_t chunk : {file.size(), std::size_t{1}, std::size_t{13}, std::size_t{100}}) {
    SCOPED_TRACE(chunk);
    Demuxer d;
    std::vector<Tag> out;
    for (std::size_t pos = 0; pos < file.size(); pos += chunk) {
      ASSERT_TRUE(d.feed(file.subspan(pos, std::min(chunk, file.size() - pos)), out));
    }
    EXPECT_TRUE(d.at_tag_boundary());
    ASSERT_EQ(out.size(), 21u);
    EXPECT_TRUE(d.has_audio() && d.has_video());
    int audio = 0, video = 0, script = 0;
    for (const auto& t : out) {
      audio += t.type == TagType::Audio;
      video += t.type == TagType::Video;
      script += t.type == TagType::Script;
    }
    EXPECT_EQ(audio, 13);
    EXPECT_EQ(video, 7);
    EXPECT_EQ(script, 1);
    EXPECT_EQ(out[0].type, TagType::Script);
    EXPECT_EQ(out[0].data.size(), 293u);
    EXPECT_EQ(out[1].type, TagType::Video);
    EXPECT_EQ(out[1].data.size(), 43u);
    EXPECT_EQ(out[3].data.size(), 725u);
    EXPECT_EQ(out[4].timestamp, 100u);
    EXPECT_EQ(out[5].type, TagType::Audio);
    EXPECT_EQ(out[5].timestamp, 154u);
    EXPECT_EQ(out.back().timestamp, 400u);
    EXPECT_EQ(out.back().data.size(), 5u);
  }
}

TEST(FlvDemuxer, RemuxOfRealFileIsByteIdentical) {
  const std::span<const std::uint8_t> file(testdata::kTinyFlv);
  Demuxer d;
  std::vector<Tag> out;
  ASSERT_TRUE(d.feed(file, out));
  auto header = file_header(d.has_audio(), d.has_video());
  Bytes again(header.begin(), header.end());
  for (const auto& t : out) write_tag(t.type, t.timestamp, t.data.span(), again);
  EXPECT_EQ(again, Bytes(file.begin(), file.end()));
}

Status feed_all(const Bytes& bytes, std::vector<Tag>& out, DemuxLimits limits = {}) {
  Demuxer d(limits);
  return d.feed(bytes, out);
}

// Copies what it is shown and leaves the demuxer's buffer, as a player that only looks does.
struct LookingReceiver final : TagReceiver {
  std::vector<Tag> seen;
  std::vector<const std::uint8_t*> buffers;
  std::vector<std::size_t> capacities;
  std::size_t stop_after = SIZE_MAX;
  bool receive(CompletedTag& t) override {
    seen.push_back(Tag{t.type, t.timestamp, SharedBuffer::copy_of(t.body)});
    buffers.push_back(t.body.data());
    capacities.push_back(t.body.capacity());
    return seen.size() < stop_after;
  }
};

TEST(FlvDemuxerReceiver, SameTagsAtEverySplit) {
  const auto tags = sample_tags();
  const auto bytes = mux(tags);
  for (std::size_t step : {std::size_t{1}, std::size_t{5}, std::size_t{4096}, bytes.size()}) {
    SCOPED_TRACE(step);
    Demuxer d;
    LookingReceiver r;
    for (std::size_t pos = 0; pos < bytes.size(); pos += step)
      ASSERT_TRUE(
          d.feed(std::span(bytes).subspan(pos, std::min(step, bytes.size() - pos)), r).ok());
    expect_tags(r.seen, tags);
  }
}

TEST(FlvDemuxerReceiver, LeftBodiesAreReusedAndLargeOnesAreNotPinned) {
  const std::vector<Expected> tags = {{TagType::Video, 0, payload(1500, 1)},
                                      {TagType::Video, 40, payload(1400, 2)},
                                      {TagType::Video, 80, payload(200'000, 3)},
                                      {TagType::Video, 120, payload(1000, 4)}};
  const auto bytes = mux(tags);
  Demuxer d;
  LookingReceiver r;
  ASSERT_TRUE(d.feed(bytes, r).ok());
  expect_tags(r.seen, tags);
  EXPECT_EQ(r.buffers[1], r.buffers[0]);  // the first body's storage, reused
  EXPECT_GE(r.capacities[2], 200'000u);
  EXPECT_LT(r.capacities[3], 200'000u);  // a fresh buffer after the large one
}

TEST(FlvDemuxerReceiver, ReturningFalseStopsTheFeed) {
  const auto bytes = mux(sample_tags());
  Demuxer d;
  LookingReceiver r;
  r.stop_after = 2;
  ASSERT_TRUE(d.feed(bytes, r).ok());
  EXPECT_EQ(r.seen.size(), 2u);
}

TEST(FlvDemuxer, RejectsBadSignature) {
  Bytes bytes = mux({});
  bytes[0] = 'G';
  std::vector<Tag> out;
  auto st = feed_all(bytes, out);
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().reason.find("not an FLV"), std::string::npos);
  // HTML error pages and the like are refused at once.
  const std::string html = "<html>403</html>";
  Demuxer d;
  EXPECT_FALSE(
      d.feed(std::span(reinterpret_cast<const std::uint8_t*>(html.data()), html.size()), out));
}

TEST(FlvDemuxer, RejectsOtherVersions) {
  Bytes bytes = mux({});
  bytes[3] = 2;
  std::vector<Tag> out;
  auto st = feed_all(bytes, out);
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().reason.find("version"), std::string::npos);
}

TEST(FlvDemuxer, DataOffsetBounds) {
  std::vector<Tag> out;
  for (std::uint8_t offset : {0, 1, 8}) {
    Bytes bytes = mux({});
    bytes[8] = offset;
    EXPECT_FALSE(feed_all(bytes, out)) << int(offset);
  }
  Bytes big = mux({});
  big[6] = 0x01;  // 65545
  auto st = feed_all(big, out);
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().reason.find("data offset"), std::string::npos);
}

TEST(FlvDemuxer, SkipsExtraHeaderBytes) {
  const auto tags = sample_tags();
  Bytes bytes = mux(tags);
  bytes[8] = 9 + 5;
  bytes.insert(bytes.begin() + 9, {0xAA, 0xBB, 0xCC, 0xDD, 0xEE});
  for (std::size_t chunk : {std::size_t{1}, bytes.size()}) {
    Demuxer d;
    std::vector<Tag> out;
    for (std::size_t pos = 0; pos < bytes.size(); pos += chunk) {
      ASSERT_TRUE(d.feed(std::span(bytes).subspan(pos, std::min(chunk, bytes.size() - pos)), out));
    }
    expect_tags(out, tags);
  }
}

TEST(FlvDemuxer, PreviousTagSizeZeroIsNotChecked) {
  const auto tags = sample_tags();
  Bytes bytes = mux(tags);
  bytes[12] = 0x42;
  std::vector<Tag> out;
  ASSERT_TRUE(feed_all(bytes, out));
  expect_tags(out, tags);
}

TEST(FlvDemuxer, PreviousTagSizeMismatch) {
  const std::vector<Expected> tags{{TagType::Audio, 0, {1, 2, 3}}, {TagType::Audio, 1, {4}}};
  Bytes bytes = mux(tags);
  bytes[13 + 11 + 3 + 3] ^= 0x01;  // low byte of the first tag's PreviousTagSize
  std::vector<Tag> out;
  auto st = feed_all(bytes, out);
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().reason.find("PreviousTagSize"), std::string::npos);
  EXPECT_EQ(out.size(), 1u);  // the tag before the bad size was delivered

  out.clear();
  DemuxLimits tolerant;
  tolerant.check_previous_tag_size = false;
  ASSERT_TRUE(feed_all(bytes, out, tolerant));
  expect_tags(out, tags);
}

TEST(FlvDemuxer, RejectsEncryptedTags) {
  Bytes bytes = mux({{TagType::Video, 0, {0x17, 1}}});
  bytes[13] |= 0x20;
  std::vector<Tag> out;
  auto st = feed_all(bytes, out);
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().reason.find("encrypted"), std::string::npos);
  EXPECT_TRUE(out.empty());
}

TEST(FlvDemuxer, RejectsUnknownTagTypes) {
  for (std::uint8_t type : {0, 1, 7, 10, 15, 17, 19, 31}) {
    Bytes bytes = mux({{TagType::Video, 0, {1}}});
    bytes[13] = type;
    std::vector<Tag> out;
    auto st = feed_all(bytes, out);
    ASSERT_FALSE(st) << int(type);
    EXPECT_NE(st.error().reason.find("unknown FLV tag type " + std::to_string(type)),
              std::string::npos);
  }
}

TEST(FlvDemuxer, ReservedBitsAndStreamIdAreIgnored) {
  Bytes bytes = mux({{TagType::Audio, 0, {1}}});
  bytes[13] |= 0x40;   // reserved bit
  bytes[13 + 10] = 7;  // stream id
  std::vector<Tag> out;
  ASSERT_TRUE(feed_all(bytes, out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].type, TagType::Audio);
}

TEST(FlvDemuxer, TagSizeLimitIsEnforcedFromTheHeaderAlone) {
  DemuxLimits limits;
  limits.max_tag_size = 100;
  Demuxer d(limits);
  std::vector<Tag> out;
  ASSERT_TRUE(d.feed(mux({{TagType::Video, 0, payload(100, 1)}}), out));
  EXPECT_EQ(out.size(), 1u);
  // Only the 11-byte header of an oversized tag: refused before any body byte arrives.
  auto header = tag_header(TagType::Video, 101, 0);
  auto st = d.feed(header, out);
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().reason.find("exceeds"), std::string::npos);
  EXPECT_TRUE(d.failed());
}

TEST(FlvDemuxer, DefaultLimitAllowsTheLargestTag) {
  Demuxer d;
  std::vector<Tag> out;
  Bytes bytes = mux({});
  auto header = tag_header(TagType::Video, kMaxTagDataSize, 0);
  bytes.insert(bytes.end(), header.begin(), header.end());
  EXPECT_TRUE(d.feed(bytes, out));  // 16 MiB - 1 <= 16 MiB
  EXPECT_TRUE(out.empty());
}

TEST(FlvDemuxer, FailureIsSticky) {
  Bytes bytes = mux({});
  bytes[0] = 'X';
  Demuxer d;
  std::vector<Tag> out;
  auto first = d.feed(bytes, out);
  ASSERT_FALSE(first);
  auto again = d.feed(mux({{TagType::Audio, 0, {1}}}), out);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().reason, first.error().reason);
  EXPECT_TRUE(out.empty());
}

TEST(FlvDemuxer, TruncationAtEveryPointIsNotAnError) {
  // A prefix of a valid stream is just an incomplete stream: no error, and only whole tags.
  const auto tags = sample_tags();
  const auto bytes = mux(tags);
  std::size_t last = 0;
  for (std::size_t len = 0; len <= bytes.size(); len += 97) {
    Demuxer d;
    std::vector<Tag> out;
    ASSERT_TRUE(d.feed(std::span(bytes).first(len), out));
    EXPECT_GE(out.size(), last);
    last = out.size();
    for (std::size_t i = 0; i < out.size(); ++i) EXPECT_EQ(out[i].data.size(), tags[i].data.size());
  }
}

TEST(FlvDemuxer, GarbageIsRefusedWithoutCrashing) {
  std::mt19937 rng(99);
  auto tags = sample_tags();
  tags.erase(tags.begin() + 5);  // the 70000-byte tag: mutations should hit the framing
  const Bytes clean = mux(tags);
  for (int round = 0; round < 2000; ++round) {
    Bytes bytes = clean;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < flips; ++i) bytes[rng() % bytes.size()] = static_cast<std::uint8_t>(rng());
    Demuxer d;
    std::vector<Tag> out;
    (void)d.feed(bytes, out);
    for (const auto& t : out) EXPECT_LE(t.data.size(), 16u << 20);
  }
}

TEST(FlvDemuxer, ErrorReportsTheOffset) {
  const std::vector<Expected> tags{{TagType::Audio, 0, {1, 2, 3}}};
  Bytes bytes = mux(tags);
  bytes.push_back(0x30);  // a second tag header starting at byte 31
  bytes.resize(bytes.size() + 10);
  std::vector<Tag> out;
  auto st = feed_all(bytes, out);
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().reason.find("at byte 31"), std::string::npos) << st.error().reason;
}

}  // namespace
}  // namespace minirtc::flv
