// Chunk stream: ChunkEncoder/encode_message against ChunkDecoder, plus hand-built wire bytes.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "rtmp/chunk_decoder.hpp"
#include "rtmp/chunk_encoder.hpp"
#include "rtmp/command.hpp"
#include "rtmp/control.hpp"

namespace minirtc::rtmp {
namespace {

using Bytes = std::vector<std::uint8_t>;

Message make(std::uint32_t csid, std::uint8_t type, std::uint32_t ts, std::uint32_t sid,
             Bytes payload) {
  Message m;
  m.csid = csid;
  m.type = type;
  m.timestamp = ts;
  m.stream_id = sid;
  m.payload = SharedBuffer(std::move(payload));
  return m;
}

Bytes pattern(std::size_t n, std::uint8_t seed) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(seed + i * 7);
  return b;
}

void expect_same(const Message& a, const Message& b, const std::string& where = "") {
  EXPECT_EQ(a.csid, b.csid) << where;
  EXPECT_EQ(a.type, b.type) << where;
  EXPECT_EQ(a.timestamp, b.timestamp) << where;
  EXPECT_EQ(a.stream_id, b.stream_id) << where;
  EXPECT_EQ(Bytes(a.payload.span().begin(), a.payload.span().end()),
            Bytes(b.payload.span().begin(), b.payload.span().end()))
      << where;
}

void expect_same(const std::vector<Message>& a, const std::vector<Message>& b,
                 const std::string& where = "") {
  ASSERT_EQ(a.size(), b.size()) << where;
  for (std::size_t i = 0; i < a.size(); ++i)
    expect_same(a[i], b[i], where + " #" + std::to_string(i));
}

// Feeds `wire` in pieces of `step` bytes (0 = all at once); fails the test on error.
std::vector<Message> decode(const Bytes& wire, std::size_t step = 0, ChunkLimits limits = {}) {
  ChunkDecoder d(limits);
  std::vector<Message> out;
  if (step == 0) step = wire.size() + 1;
  for (std::size_t pos = 0; pos < wire.size(); pos += step) {
    const std::size_t n = std::min(step, wire.size() - pos);
    Status st = d.feed(std::span(wire).subspan(pos, n), out);
    EXPECT_TRUE(st.ok()) << st.error().reason;
    if (!st.ok()) break;
  }
  EXPECT_EQ(d.bytes_received(), wire.size());
  return out;
}

// Decodes and returns the error (test fails if there is none).
std::string decode_error(const Bytes& wire, ChunkLimits limits = {}) {
  ChunkDecoder d(limits);
  std::vector<Message> out;
  Status st = d.feed(wire, out);
  EXPECT_FALSE(st.ok());
  if (st.ok()) return "";
  const std::uint8_t more[] = {0x02};
  Status again = d.feed(more, out);
  EXPECT_FALSE(again.ok()) << "decoder must stay failed";
  return st.error().reason;
}

// ---------------------------------------------------------------------------------------------
// Wire format

TEST(ChunkWire, Fmt0HeaderFieldsByHand) {
  // csid 3, ts 0x000102, len 5, type 20, stream id 0x04030201 (little endian on the wire).
  const Bytes wire = {0x03, 0x00, 0x01, 0x02, 0x00, 0x00, 0x05, 0x14, 0x01,
                      0x02, 0x03, 0x04, 'h',  'e',  'l',  'l',  'o'};
  auto msgs = decode(wire);
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].csid, 3u);
  EXPECT_EQ(msgs[0].timestamp, 0x102u);
  EXPECT_EQ(msgs[0].type, 20);
  EXPECT_EQ(msgs[0].stream_id, 0x04030201u);
  EXPECT_EQ(msgs[0].payload.view(), "hello");
}

TEST(ChunkWire, EncodeMessageBytes) {
  Bytes out;
  const Bytes payload = pattern(300, 1);
  encode_message(4, 8, 0x123456, 1, payload, 128, out);
  Bytes expect = {0x04, 0x12, 0x34, 0x56, 0x00, 0x01, 0x2c, 0x08, 0x01, 0x00, 0x00, 0x00};
  expect.insert(expect.end(), payload.begin(), payload.begin() + 128);
  expect.push_back(0xc4);
  expect.insert(expect.end(), payload.begin() + 128, payload.begin() + 256);
  expect.push_back(0xc4);
  expect.insert(expect.end(), payload.begin() + 256, payload.end());
  EXPECT_EQ(out, expect);
}

TEST(ChunkWire, EncodeMessageExtendedTimestampRepeatedOnContinuation) {
  Bytes out;
  const Bytes payload = pattern(10, 1);
  encode_message(6, 9, 0x01020304, 1, payload, 4, out);
  Bytes expect = {0x06, 0xff, 0xff, 0xff, 0x00, 0x00, 0x0a, 0x09,
                  0x01, 0x00, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04};
  expect.insert(expect.end(), payload.begin(), payload.begin() + 4);
  for (std::size_t pos : {4, 8}) {
    expect.insert(expect.end(), {0xc6, 0x01, 0x02, 0x03, 0x04});
    expect.insert(expect.end(), payload.begin() + pos,
                  payload.begin() + std::min<std::size_t>(pos + 4, 10));
  }
  EXPECT_EQ(out, expect);
  Bytes wire;
  encode_message(control_message(MessageType::SetChunkSize, set_chunk_size_payload(4)), 128, wire);
  wire.insert(wire.end(), out.begin(), out.end());
  auto msgs = decode(wire, 1);
  ASSERT_EQ(msgs.size(), 2u);
  expect_same(msgs[1], make(6, 9, 0x01020304, 1, payload));
}

TEST(ChunkWire, BasicHeaderSizes) {
  struct Case {
    std::uint32_t csid;
    Bytes basic;
  };
  const Case cases[] = {{2, {0x02}},
                        {63, {0x3f}},
                        {64, {0x00, 0x00}},
                        {319, {0x00, 0xff}},
                        {320, {0x01, 0x00, 0x01}},
                        {65599, {0x01, 0xff, 0xff}}};
  for (const auto& c : cases) {
    Bytes out;
    encode_message(c.csid, 8, 0, 0, Bytes{1, 2, 3}, 128, out);
    EXPECT_EQ(Bytes(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(c.basic.size())),
              c.basic)
        << c.csid;
    auto msgs = decode(out);
    ASSERT_EQ(msgs.size(), 1u);
    EXPECT_EQ(msgs[0].csid, c.csid);
  }
  // csid 64 written in the 3-byte form is still csid 64.
  const Bytes wire = {0x01, 0x00, 0x00, 0, 0, 0, 0, 0, 1, 8, 0, 0, 0, 0, 0xaa};
  auto msgs = decode(wire);
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].csid, 64u);
}

TEST(ChunkWire, EncoderPicksCompactFormats) {
  ChunkEncoder enc;
  auto fmt_of = [&](const Message& m) {
    Bytes out;
    enc.encode(m, out);
    return out[0] >> 6;
  };
  EXPECT_EQ(fmt_of(make(4, 8, 1000, 1, pattern(10, 0))), 0);  // first on csid
  EXPECT_EQ(fmt_of(make(4, 8, 1023, 1, pattern(10, 1))), 2);  // same length/type: delta only
  EXPECT_EQ(fmt_of(make(4, 8, 1046, 1, pattern(10, 2))), 3);  // same delta: nothing
  EXPECT_EQ(fmt_of(make(4, 8, 1069, 1, pattern(10, 3))), 3);
  EXPECT_EQ(fmt_of(make(4, 8, 1092, 1, pattern(11, 4))), 1);  // length changed
  EXPECT_EQ(fmt_of(make(4, 9, 1115, 1, pattern(11, 4))), 1);  // type changed
  EXPECT_EQ(fmt_of(make(4, 9, 1115, 2, pattern(11, 4))), 0);  // stream id changed
  EXPECT_EQ(fmt_of(make(4, 9, 1000, 2, pattern(11, 4))), 0);  // timestamp went back
  EXPECT_EQ(fmt_of(make(5, 9, 1000, 2, pattern(11, 4))), 0);  // other csid
}

// ---------------------------------------------------------------------------------------------
// Round trips

std::vector<Message> random_messages(std::mt19937& rng, std::size_t count, bool extended) {
  const std::uint32_t csids[] = {2, 3, 4, 5, 63, 64, 319, 320, 65599};
  std::vector<std::uint32_t> ts(9, 0);
  std::vector<Message> msgs;
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t k = rng() % 9;
    // Mostly regular steps (fmt3/fmt2), sometimes jumps, size changes or backward steps.
    const std::uint32_t r = rng() % 10;
    std::uint32_t step = r < 6 ? 20 : r < 8 ? rng() % 1000 : 0;
    if (extended && rng() % 4 == 0) step = 0xFFFFFF + rng() % 3;
    ts[k] = r == 9 ? ts[k] / 2 : ts[k] + step;
    const std::size_t len = rng() % 3 == 0 ? 100 : rng() % 700;
    const std::uint8_t type = rng() % 2 ? 8 : 9;
    msgs.push_back(make(csids[k], type, ts[k], rng() % 5 == 0 ? 2 : 1,
                        pattern(len, static_cast<std::uint8_t>(i))));
  }
  return msgs;
}

TEST(ChunkRoundTrip, AllFormatsManyChunkSizesAndSplits) {
  std::mt19937 rng(42);
  for (bool extended : {false, true}) {
    const auto msgs = random_messages(rng, 200, extended);
    for (std::uint32_t chunk : {1u, 2u, 3u, 127u, 128u, 129u, 1000u, 4096u, 65536u}) {
      ChunkEncoder enc;
      Bytes wire;
      // Announce the chunk size in-band, as a server does.
      enc.encode(control_message(MessageType::SetChunkSize, set_chunk_size_payload(chunk)), wire);
      EXPECT_EQ(enc.chunk_size(), chunk);
      for (const auto& m : msgs) enc.encode(m, wire);
      const std::string where = "chunk " + std::to_string(chunk) + (extended ? " extended" : "");
      for (std::size_t step : {std::size_t{0}, std::size_t{1}, std::size_t{13}}) {
        if (step == 1 && chunk > 129) continue;  // byte-by-byte once per small size is enough
        auto got = decode(wire, step);
        ASSERT_FALSE(got.empty());
        got.erase(got.begin());  // the SetChunkSize
        expect_same(got, msgs, where + " step " + std::to_string(step));
      }
    }
  }
}

TEST(ChunkRoundTrip, RandomSplitsGiveSameMessages) {
  std::mt19937 rng(7);
  const auto msgs = random_messages(rng, 100, true);
  ChunkEncoder enc;
  Bytes wire;
  for (const auto& m : msgs) enc.encode(m, wire);
  for (int round = 0; round < 20; ++round) {
    ChunkDecoder d;
    std::vector<Message> got;
    std::size_t pos = 0;
    while (pos < wire.size()) {
      const std::size_t n = std::min<std::size_t>(1 + rng() % 300, wire.size() - pos);
      ASSERT_TRUE(d.feed(std::span(wire).subspan(pos, n), got).ok());
      pos += n;
    }
    expect_same(got, msgs, "round " + std::to_string(round));
  }
}

TEST(ChunkRoundTrip, EveryChunkSizeUpTo300AndPowersOfTwo) {
  const Message m = make(6, 9, 0x1234, 1, pattern(1500, 3));
  const Message ext = make(7, 8, 0xFFFFFF, 1, pattern(700, 9));
  std::vector<std::uint32_t> sizes;
  for (std::uint32_t s = 1; s <= 300; ++s) sizes.push_back(s);
  for (std::uint32_t s = 512; s <= 65536; s *= 2) sizes.push_back(s);
  for (std::uint32_t s : sizes) {
    Bytes wire;
    encode_message(control_message(MessageType::SetChunkSize, set_chunk_size_payload(s)), 128,
                   wire);
    encode_message(m, s, wire);
    encode_message(ext, s, wire);
    encode_message(m, s, wire);
    auto got = decode(wire);
    ASSERT_EQ(got.size(), 4u) << s;
    expect_same(got[1], m);
    expect_same(got[2], ext);
    expect_same(got[3], m);
  }
}

TEST(ChunkRoundTrip, StatelessMessagesMixWithStatefulEncoder) {
  // The server sends shared fmt0-encoded media on a csid the per-connection encoder also used.
  ChunkEncoder enc;
  Bytes wire;
  std::vector<Message> sent;
  for (std::uint32_t i = 0; i < 10; ++i) {
    Message m = make(kCsidVideo, 9, 40 * i, 1, pattern(200 + i, static_cast<std::uint8_t>(i)));
    if (i % 3 == 0) {
      encode_message(m, enc.chunk_size(), wire);
      enc.reset_csid(kCsidVideo);
    } else {
      enc.encode(m, wire);
    }
    sent.push_back(m);
  }
  expect_same(decode(wire, 5), sent);
}

TEST(ChunkRoundTrip, ExtendedDeltaOnFmt3NewMessage) {
  ChunkEncoder enc;
  Bytes wire;
  std::vector<Message> sent = {
      make(4, 8, 0, 1, pattern(300, 1)),         make(4, 8, 0x1000000, 1, pattern(300, 2)),
      make(4, 8, 0x2000000, 1, pattern(300, 3)),  // fmt3 with extended delta
      make(4, 8, 0x3000000, 1, pattern(300, 4)), make(4, 8, 0x3000010, 1, pattern(300, 5)),
      make(4, 8, 0x3000020, 1, pattern(300, 6)),
  };
  std::vector<int> fmts;
  for (const auto& m : sent) {
    const std::size_t at = wire.size();
    enc.encode(m, wire);
    fmts.push_back(wire[at] >> 6);
  }
  EXPECT_EQ(fmts, (std::vector<int>{0, 2, 3, 3, 2, 3}));
  for (std::size_t step : {std::size_t{0}, std::size_t{1}}) expect_same(decode(wire, step), sent);
}

TEST(ChunkRoundTrip, TimestampWrapsAround) {
  ChunkEncoder enc;
  Bytes wire;
  std::vector<Message> sent = {make(4, 8, 0xFFFFFFF0u, 1, pattern(10, 1)),
                               make(4, 8, 0x10, 1, pattern(10, 2)),
                               make(4, 8, 0x30, 1, pattern(10, 3))};
  for (const auto& m : sent) enc.encode(m, wire);
  expect_same(decode(wire), sent);
}

TEST(ChunkRoundTrip, ZeroLengthMessages) {
  ChunkEncoder enc;
  Bytes wire;
  std::vector<Message> sent = {make(3, 20, 0, 0, {}), make(3, 20, 5, 0, {}), make(3, 20, 10, 0, {}),
                               make(3, 18, 10, 0, pattern(3, 0))};
  for (const auto& m : sent) enc.encode(m, wire);
  expect_same(decode(wire, 1), sent);
}

// Cuts one encode_message() output back into its chunks (for interleaving by hand).
std::vector<Bytes> split_chunks(const Bytes& encoded, std::size_t payload_len, std::uint32_t chunk,
                                std::size_t basic_len, bool extended) {
  std::vector<Bytes> chunks;
  std::size_t pos = 0, left = payload_len;
  std::size_t header = basic_len + 11 + (extended ? 4 : 0);
  do {
    const std::size_t n = header + std::min<std::size_t>(chunk, left);
    chunks.emplace_back(encoded.begin() + static_cast<std::ptrdiff_t>(pos),
                        encoded.begin() + static_cast<std::ptrdiff_t>(pos + n));
    pos += n;
    left -= std::min<std::size_t>(chunk, left);
    header = basic_len + (extended ? 4 : 0);
  } while (left > 0);
  EXPECT_EQ(pos, encoded.size());
  return chunks;
}

TEST(ChunkRoundTrip, InterleavedChunkStreams) {
  const Message audio = make(4, 8, 100, 1, pattern(1000, 1));
  const Message video = make(330, 9, 0x1000001, 1, pattern(2500, 2));
  const Message data = make(70, 18, 100, 1, pattern(300, 3));
  Bytes a, v, d;
  encode_message(audio, 128, a);
  encode_message(video, 128, v);
  encode_message(data, 128, d);
  auto ca = split_chunks(a, 1000, 128, 1, false);
  auto cv = split_chunks(v, 2500, 128, 3, true);
  auto cd = split_chunks(d, 300, 128, 2, false);
  Bytes wire;
  std::size_t ia = 0, iv = 0, id = 0;
  while (ia < ca.size() || iv < cv.size() || id < cd.size()) {
    if (iv < cv.size()) wire.insert(wire.end(), cv[iv].begin(), cv[iv].end()), ++iv;
    if (ia < ca.size()) wire.insert(wire.end(), ca[ia].begin(), ca[ia].end()), ++ia;
    if (iv < cv.size()) wire.insert(wire.end(), cv[iv].begin(), cv[iv].end()), ++iv;
    if (id < cd.size()) wire.insert(wire.end(), cd[id].begin(), cd[id].end()), ++id;
  }
  for (std::size_t step : {std::size_t{0}, std::size_t{1}, std::size_t{100}}) {
    auto got = decode(wire, step);
    ASSERT_EQ(got.size(), 3u);
    // Completion order: data (3 chunks), audio (8), video (20).
    expect_same(got[0], data);
    expect_same(got[1], audio);
    expect_same(got[2], video);
  }
}

// ---------------------------------------------------------------------------------------------
// The receiver interface: messages looked at in the decoder's own buffer

// Copies what it is shown and leaves the decoder's buffer, as a reader that only looks does.
struct LookingReceiver final : MessageReceiver {
  std::vector<Message> seen;
  std::vector<const std::uint8_t*> buffers;  // where each payload was, to see reuse
  std::vector<std::size_t> capacities;
  std::size_t stop_after = SIZE_MAX;
  bool receive(CompletedMessage& m) override {
    seen.push_back(make(m.csid, m.type, m.timestamp, m.stream_id, m.payload));
    buffers.push_back(m.payload.data());
    capacities.push_back(m.payload.capacity());
    return seen.size() < stop_after;
  }
};

TEST(ChunkReceiver, SameMessagesAsTheOwningFeedAtEverySplit) {
  std::mt19937 rng(11);
  for (bool extended : {false, true}) {
    const auto msgs = random_messages(rng, 150, extended);
    ChunkEncoder enc;
    Bytes wire;
    enc.encode(control_message(MessageType::SetChunkSize, set_chunk_size_payload(300)), wire);
    for (const auto& m : msgs) enc.encode(m, wire);
    const auto owned = decode(wire);
    for (std::size_t step : {std::size_t{1}, std::size_t{7}, std::size_t{301}, wire.size()}) {
      ChunkDecoder d;
      LookingReceiver r;
      for (std::size_t pos = 0; pos < wire.size(); pos += step)
        ASSERT_TRUE(
            d.feed(std::span(wire).subspan(pos, std::min(step, wire.size() - pos)), r).ok());
      expect_same(r.seen, owned, "step " + std::to_string(step));
      EXPECT_EQ(d.bytes_received(), wire.size());
    }
  }
}

TEST(ChunkReceiver, LeftBuffersAreReusedByTheNextMessageOfTheStream) {
  ChunkEncoder enc;
  Bytes wire;
  for (std::uint32_t i = 0; i < 5; ++i) enc.encode(make(6, 9, i * 40, 1, pattern(1500, 1)), wire);
  ChunkDecoder d;
  LookingReceiver r;
  ASSERT_TRUE(d.feed(wire, r).ok());
  ASSERT_EQ(r.seen.size(), 5u);
  for (std::size_t i = 1; i < 5; ++i) EXPECT_EQ(r.buffers[i], r.buffers[0]) << i;
}

TEST(ChunkReceiver, ALargeMessageDoesNotPinItsBuffer) {
  ChunkEncoder enc;
  Bytes wire;
  enc.encode(make(6, 9, 0, 1, pattern(200'000, 1)), wire);
  enc.encode(make(6, 9, 40, 1, pattern(1000, 2)), wire);
  ChunkDecoder d;
  LookingReceiver r;
  ASSERT_TRUE(d.feed(wire, r).ok());
  ASSERT_EQ(r.seen.size(), 2u);
  EXPECT_GE(r.capacities[0], 200'000u);
  EXPECT_LT(r.capacities[1], 200'000u);  // a fresh buffer, not the big one
}

TEST(ChunkReceiver, TakenPayloadKeepsItsBytes) {
  struct Taking final : MessageReceiver {
    std::vector<Bytes> kept;
    bool receive(CompletedMessage& m) override {
      kept.push_back(std::move(m.payload));
      return true;
    }
  } r;
  ChunkEncoder enc;
  Bytes wire;
  enc.encode(make(6, 9, 0, 1, pattern(700, 1)), wire);
  enc.encode(make(6, 9, 40, 1, pattern(900, 2)), wire);
  ChunkDecoder d;
  ASSERT_TRUE(d.feed(wire, r).ok());
  ASSERT_EQ(r.kept.size(), 2u);
  EXPECT_EQ(r.kept[0], pattern(700, 1));
  EXPECT_EQ(r.kept[1], pattern(900, 2));
}

TEST(ChunkReceiver, ReturningFalseStopsTheFeed) {
  ChunkEncoder enc;
  Bytes wire;
  for (std::uint32_t i = 0; i < 4; ++i) enc.encode(make(4, 8, i * 23, 1, pattern(100, 1)), wire);
  ChunkDecoder d;
  LookingReceiver r;
  r.stop_after = 2;
  ASSERT_TRUE(d.feed(wire, r).ok());
  EXPECT_EQ(r.seen.size(), 2u);
}

TEST(ChunkDecoder, ExtendedTimestampNotRepeatedOnContinuation) {
  // Some encoders omit the extended timestamp on fmt3 continuation chunks.
  const Bytes payload = pattern(300, 5);
  Bytes wire = {0x04, 0xff, 0xff, 0xff, 0x00, 0x01, 0x2c, 0x08,
                0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00};
  wire.insert(wire.end(), payload.begin(), payload.begin() + 128);
  wire.push_back(0xc4);
  wire.insert(wire.end(), payload.begin() + 128, payload.begin() + 256);
  wire.push_back(0xc4);
  wire.insert(wire.end(), payload.begin() + 256, payload.end());  // only 44 bytes
  const Message expect = make(4, 8, 0x01000000, 1, payload);
  for (std::size_t step : {std::size_t{0}, std::size_t{1}, std::size_t{3}}) {
    auto got = decode(wire, step);
    ASSERT_EQ(got.size(), 1u);
    expect_same(got[0], expect);
  }
  // Last continuation with fewer than 4 bytes left, followed by the next message's header.
  Bytes tail_wire = {0x04, 0xff, 0xff, 0xff, 0x00, 0x00, 0x82, 0x08,
                     0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00};
  const Bytes p2 = pattern(130, 8);
  tail_wire.insert(tail_wire.end(), p2.begin(), p2.begin() + 128);
  tail_wire.push_back(0xc4);
  tail_wire.insert(tail_wire.end(), p2.begin() + 128, p2.end());
  const Bytes next = {0x03, 0, 0, 0, 0, 0, 2, 20, 0, 0, 0, 0, 'o', 'k'};
  tail_wire.insert(tail_wire.end(), next.begin(), next.end());
  for (std::size_t step : {std::size_t{0}, std::size_t{1}}) {
    auto got = decode(tail_wire, step);
    ASSERT_EQ(got.size(), 2u);
    expect_same(got[0], make(4, 8, 0x01000000, 1, p2));
    EXPECT_EQ(got[1].payload.view(), "ok");
  }
}

// ---------------------------------------------------------------------------------------------
// Control messages the decoder applies itself

TEST(ChunkDecoder, SetChunkSizeAppliesToFollowingBytesInSameFeed) {
  Bytes wire;
  encode_message(control_message(MessageType::SetChunkSize, set_chunk_size_payload(4096)), 128,
                 wire);
  const Message big = make(6, 9, 0, 1, pattern(5000, 1));
  encode_message(big, 4096, wire);
  ChunkDecoder d;
  std::vector<Message> got;
  ASSERT_TRUE(d.feed(wire, got).ok());
  EXPECT_EQ(d.chunk_size(), 4096u);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].type, 1);
  expect_same(got[1], big);
}

TEST(ChunkDecoder, AbortDropsPartialMessage) {
  Bytes wire;
  const Message big = make(4, 8, 0, 1, pattern(300, 1));
  Bytes enc;
  encode_message(big, 128, enc);
  wire.insert(wire.end(), enc.begin(), enc.begin() + 12 + 128);  // first chunk only
  encode_message(control_message(MessageType::Abort, abort_payload(4)), 128, wire);
  const Message next = make(4, 8, 40, 1, pattern(50, 2));
  encode_message(next, 128, wire);
  for (std::size_t step : {std::size_t{0}, std::size_t{1}}) {
    auto got = decode(wire, step);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].type, 2);
    expect_same(got[1], next);
  }
  // Abort for a csid with nothing pending (or never seen) is harmless.
  Bytes w2;
  encode_message(control_message(MessageType::Abort, abort_payload(77)), 128, w2);
  EXPECT_EQ(decode(w2).size(), 1u);
}

TEST(ChunkDecoder, BytesReceivedCountsEverything) {
  ChunkDecoder d;
  std::vector<Message> out;
  const Bytes part = {0x03, 0x00};
  ASSERT_TRUE(d.feed(part, out).ok());
  ASSERT_TRUE(d.feed(part, out).ok());
  EXPECT_EQ(d.bytes_received(), 4u);
  EXPECT_TRUE(out.empty());
}

// ---------------------------------------------------------------------------------------------
// Errors and limits

TEST(ChunkDecoderErrors, HeaderOnUnknownCsid) {
  for (std::uint8_t first : {0x43, 0x83, 0xc3}) {
    const Bytes wire = {first, 0, 0, 0, 0, 0, 0, 0, 0};
    EXPECT_NE(decode_error(wire).find("never had a fmt0"), std::string::npos) << int(first);
  }
}

TEST(ChunkDecoderErrors, BadSetChunkSize) {
  for (std::uint32_t v : {0u, 0x80000000u, 0x80000080u, 0x1000000u}) {
    Bytes wire;
    Bytes payload = {static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
                     static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
    encode_message(2, 1, 0, 0, payload, 128, wire);
    EXPECT_NE(decode_error(wire).find("SetChunkSize"), std::string::npos) << v;
  }
  Bytes wire;
  encode_message(2, 1, 0, 0, Bytes{0, 0, 1}, 128, wire);
  EXPECT_NE(decode_error(wire).find("shorter"), std::string::npos);
  // A custom limit.
  Bytes w2;
  encode_message(control_message(MessageType::SetChunkSize, set_chunk_size_payload(70000)), 128,
                 w2);
  ChunkLimits limits;
  limits.max_chunk_size = 65536;
  decode_error(w2, limits);
  Bytes w3;
  encode_message(2, 2, 0, 0, Bytes{0, 0}, 128, w3);
  EXPECT_NE(decode_error(w3).find("Abort"), std::string::npos);
}

TEST(ChunkDecoderErrors, MessageTooLarge) {
  ChunkLimits limits;
  limits.max_message_size = 1000;
  const Bytes ok_wire = {0x04, 0, 0, 0, 0, 0x03, 0xe8, 8, 0, 0, 0, 0};  // 1000 declared
  ChunkDecoder d(limits);
  std::vector<Message> out;
  EXPECT_TRUE(d.feed(ok_wire, out).ok());
  const Bytes wire = {0x04, 0, 0, 0, 0, 0x03, 0xe9, 8, 0, 0, 0, 0};  // 1001 declared
  EXPECT_NE(decode_error(wire, limits).find("exceeds limit"), std::string::npos);
  // Default limit: 16 MiB; 0xFFFFFF is just below, fine to declare (nothing is allocated).
  const Bytes huge = {0x04, 0, 0, 0, 0xff, 0xff, 0xff, 8, 0, 0, 0, 0};
  ChunkDecoder d2;
  EXPECT_TRUE(d2.feed(huge, out).ok());
}

TEST(ChunkDecoderErrors, TooManyChunkStreams) {
  ChunkLimits limits;
  limits.max_chunk_streams = 4;
  Bytes wire;
  for (std::uint32_t csid = 3; csid < 7; ++csid) encode_message(csid, 8, 0, 1, Bytes{1}, 128, wire);
  EXPECT_EQ(decode(wire, 0, limits).size(), 4u);
  encode_message(7, 8, 0, 1, Bytes{1}, 128, wire);
  EXPECT_NE(decode_error(wire, limits).find("too many chunk streams"), std::string::npos);
}

TEST(ChunkDecoderErrors, NewHeaderInsideMessage) {
  Bytes enc;
  encode_message(4, 8, 0, 1, pattern(300, 1), 128, enc);
  Bytes wire(enc.begin(), enc.begin() + 12 + 128);
  encode_message(4, 8, 0, 1, pattern(3, 1), 128, wire);  // fmt0 instead of fmt3
  EXPECT_NE(decode_error(wire).find("middle of a message"), std::string::npos);
}

TEST(ChunkDecoderErrors, PendingBytesLimit) {
  ChunkLimits limits;
  limits.max_pending_bytes = 1000;
  Bytes wire;
  for (std::uint32_t csid = 3; csid < 20; ++csid) {
    Bytes enc;
    encode_message(csid, 8, 0, 1, pattern(1000, 1), 128, enc);
    wire.insert(wire.end(), enc.begin(), enc.begin() + 12 + 128);  // first chunk only
  }
  EXPECT_NE(decode_error(wire, limits).find("buffered"), std::string::npos);
}

TEST(ChunkDecoderErrors, GarbageNeverCrashes) {
  std::mt19937 rng(1);
  ChunkLimits limits;
  limits.max_message_size = 1 << 16;
  for (int round = 0; round < 2000; ++round) {
    Bytes junk(rng() % 200);
    for (auto& b : junk) b = static_cast<std::uint8_t>(rng());
    if (!junk.empty()) junk[0] = static_cast<std::uint8_t>(junk[0] & 0x3f);  // start with fmt0
    ChunkDecoder d(limits);
    std::vector<Message> out;
    (void)d.feed(junk, out);
    EXPECT_LE(out.size(), junk.size());
  }
}

// ---------------------------------------------------------------------------------------------
// Memory: what a peer can make the decoder hold (issue 10, items 1 and 2)

// A fmt0 header (csid 2..63) declaring `length` bytes of `type`, followed by `payload`.
Bytes header_declaring(std::uint32_t csid, std::uint32_t length, Bytes payload = {},
                       std::uint8_t type = 9) {
  Bytes b = {static_cast<std::uint8_t>(csid),
             0,
             0,
             0,
             static_cast<std::uint8_t>(length >> 16),
             static_cast<std::uint8_t>(length >> 8),
             static_cast<std::uint8_t>(length),
             type,
             1,
             0,
             0,
             0};
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

Bytes set_chunk_size_wire(std::uint32_t size) {
  Bytes wire;
  encode_message(control_message(MessageType::SetChunkSize, set_chunk_size_payload(size)), 128,
                 wire);
  return wire;
}

// connect as rtmpdump sends it when every URL field is given, each a long signed URL.
Bytes long_connect_wire() {
  const std::string url =
      "rtmp://media.example.com:1935/live/aaaaaaaaaaaaaaaaaaaaaaaa~"
      "room-with-a-longish-name-01234567890123456789012345678901234~"
      "user-012345678901234567890123456789012345678901234567890123456~main"
      "?a=pub&e=1796186987&n=3bf8cbc00642d9a6&s=2038d05238ab61b7f67aced966c39e3e";
  using amf0::Value;
  auto body = encode_command(
      "connect", 1,
      Value::object({{"app", Value::string("live/" + url.substr(url.find('?')))},
                     {"flashVer", Value::string("FMLE/3.0 (compatible; Lavf61.7.100)")},
                     {"swfUrl", Value::string(url)},
                     {"tcUrl", Value::string(url)},
                     {"fpad", Value::boolean(false)},
                     {"capabilities", Value::number(239)},
                     {"audioCodecs", Value::number(3575)},
                     {"videoCodecs", Value::number(252)},
                     {"videoFunction", Value::number(1)},
                     {"pageUrl", Value::string(url)},
                     {"objectEncoding", Value::number(0)}}));
  Bytes wire;
  encode_message(3, to_u8(MessageType::CommandAmf0), 0, 0, body, 128, wire);
  return wire;
}

TEST(ChunkMemory, CommandLimitsTakeARealConnectWithAMargin) {
  const Bytes wire = long_connect_wire();
  for (std::size_t step : {std::size_t{0}, std::size_t{1}, std::size_t{100}}) {
    auto got = decode(wire, step, kCommandLimits);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_LT(got[0].payload.size() * 4, kCommandLimits.max_message_size);
  }
}

TEST(ChunkMemory, CommandLimitsRejectALargeDeclaredMessageAtItsHeader) {
  // Before connect: raise the chunk size, declare 16 MB. The header alone must fail.
  Bytes wire = set_chunk_size_wire(1 << 20);
  const Bytes header = header_declaring(4, 0xFFFFFF);
  wire.insert(wire.end(), header.begin(), header.end());
  ChunkDecoder d(kCommandLimits);
  std::vector<Message> out;
  Status st = d.feed(wire, out);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().reason.find("exceeds limit 8192"), std::string::npos) << st.error().reason;
  EXPECT_TRUE(d.failed_on_limit());
  EXPECT_EQ(d.pending_bytes(), 0u);
  // A malformed header is not a limit.
  ChunkDecoder bad(kCommandLimits);
  const Bytes garbage = {0x43, 0, 0, 0, 0, 0, 0, 0};
  EXPECT_FALSE(bad.feed(garbage, out).ok());
  EXPECT_FALSE(bad.failed_on_limit());
}

TEST(ChunkMemory, CommandLimitsBoundPendingBytesAcrossChunkStreams) {
  // Messages that each fit, interleaved so that none completes: the total is what fails.
  Bytes wire = set_chunk_size_wire(4096);
  for (std::uint32_t csid = 3; csid < 8; ++csid) {
    const Bytes h = header_declaring(csid, 8000, pattern(4096, 1));
    wire.insert(wire.end(), h.begin(), h.end());
  }
  ChunkDecoder d(kCommandLimits);
  std::vector<Message> out;
  Status st = d.feed(wire, out);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().reason.find("more than 16384 bytes buffered"), std::string::npos)
      << st.error().reason;
  EXPECT_TRUE(d.failed_on_limit());
  EXPECT_LE(d.pending_bytes(), kCommandLimits.max_pending_bytes);
}

TEST(ChunkMemory, RaisedLimitsApplyToTheBytesAfterTheMessageThatRaisedThem) {
  // A publisher that does not wait for the reply: publish, then a large keyframe in the same read.
  Bytes wire = long_connect_wire();
  encode_message(make(3, to_u8(MessageType::CommandAmf0), 0, 1, pattern(200, 3)), 128, wire);
  const Message frame = make(6, 9, 40, 1, pattern(100'000, 4));
  encode_message(frame, 128, wire);
  struct Authorizing final : MessageReceiver {
    ChunkDecoder& d;
    std::vector<std::uint8_t> types;
    explicit Authorizing(ChunkDecoder& dec) : d(dec) {}
    bool receive(CompletedMessage& m) override {
      types.push_back(m.type);
      if (types.size() == 2) d.set_limits(ChunkLimits{});  // the "publish" was accepted
      return true;
    }
  };
  ChunkDecoder d(kCommandLimits);
  Authorizing r(d);
  ASSERT_TRUE(d.feed(wire, r).ok());
  EXPECT_EQ(r.types, (std::vector<std::uint8_t>{20, 20, 9}));
  EXPECT_EQ(d.limits().max_message_size, ChunkLimits{}.max_message_size);
  // Without the raise, the same bytes fail at the frame's header.
  ChunkDecoder kept(kCommandLimits);
  std::vector<Message> out;
  Status st = kept.feed(wire, out);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(out.size(), 2u);
  EXPECT_NE(st.error().reason.find("message length 100000 exceeds limit"), std::string::npos);
}

TEST(ChunkMemory, DeclaredLengthsReserveNothing) {
  // 61 chunk streams each declaring 16 MB and sending one byte cost bytes, not megabytes.
  Bytes wire = set_chunk_size_wire(1);
  for (std::uint32_t csid = 3; csid <= 63; ++csid) {
    const Bytes h = header_declaring(csid, 0xFFFFFF, Bytes{static_cast<std::uint8_t>(csid)});
    wire.insert(wire.end(), h.begin(), h.end());
  }
  ChunkDecoder d;
  std::vector<Message> out;
  ASSERT_TRUE(d.feed(wire, out).ok());
  EXPECT_EQ(d.pending_bytes(), 61u);
  EXPECT_LE(d.buffered_bytes(), 2u * 61u);
}

TEST(ChunkMemory, BuffersGrowWithTheBytesAtMostTwiceWhatArrived) {
  const Message big = make(4, 9, 0, 1, pattern(1'000'000, 5));
  Bytes wire = set_chunk_size_wire(1000);
  encode_message(big, 1000, wire);
  ChunkDecoder d;
  std::vector<Message> out;
  for (std::size_t pos = 0; pos < wire.size(); pos += 777) {
    ASSERT_TRUE(
        d.feed(std::span(wire).subspan(pos, std::min<std::size_t>(777, wire.size() - pos)), out)
            .ok());
    EXPECT_LE(d.buffered_bytes(), 2 * d.pending_bytes()) << pos;
    EXPECT_GE(d.buffered_bytes(), d.pending_bytes()) << pos;
  }
  ASSERT_EQ(out.size(), 2u);
  expect_same(out[1], big);
  EXPECT_EQ(out[1].payload.size(), 1'000'000u);
}

TEST(ChunkMemory, PendingBytesCountIncompleteMessagesOnly) {
  ChunkDecoder d;
  std::vector<Message> out;
  Bytes first;
  encode_message(make(4, 8, 0, 1, pattern(300, 1)), 128, first);
  // Header + first chunk (128) of 300 bytes: 128 pending.
  ASSERT_TRUE(d.feed(std::span(first).subspan(0, 12 + 128), out).ok());
  EXPECT_EQ(d.pending_bytes(), 128u);
  // A second stream's partial message adds its bytes.
  const Bytes other = header_declaring(5, 1000, pattern(100, 2));
  ASSERT_TRUE(d.feed(other, out).ok());
  EXPECT_EQ(d.pending_bytes(), 228u);
  EXPECT_GE(d.buffered_bytes(), 228u);
  // csid 5's chunk is incomplete (100 of 128): finish it, then complete csid 4.
  ASSERT_TRUE(d.feed(pattern(28, 3), out).ok());
  EXPECT_EQ(d.pending_bytes(), 256u);
  ASSERT_TRUE(d.feed(std::span(first).subspan(12 + 128), out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(d.pending_bytes(), 128u);  // csid 4 done; csid 5 holds 128
  // Abort releases csid 5's bytes and its buffer.
  Bytes abort;
  encode_message(control_message(MessageType::Abort, abort_payload(5)), 128, abort);
  ASSERT_TRUE(d.feed(abort, out).ok());
  EXPECT_EQ(d.pending_bytes(), 0u);
  EXPECT_EQ(d.buffered_bytes(), 0u);
}

}  // namespace
}  // namespace minirtc::rtmp
