// RTMP handshake: server against our client and against hand-built Flash-style C1s, with
// digests checked independently through OpenSSL (not through the code under test).
#include "rtmp/handshake.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cstring>
#include <ostream>
#include <random>
#include <string>
#include <vector>

namespace minirtc::rtmp {

// Readable parameter names in gtest output (found by ADL, so outside the anonymous namespace).
void PrintTo(HandshakeKind kind, std::ostream* os) {
  *os << to_string(kind);
}

namespace {

using Bytes = std::vector<std::uint8_t>;

const std::string kFpText = "Genuine Adobe Flash Player 001";
const std::string kFmsText = "Genuine Adobe Flash Media Server 001";
const std::array<std::uint8_t, 32> kKeyTail = {
    0xf0, 0xee, 0xc2, 0x4a, 0x80, 0x68, 0xbe, 0xe8, 0x2e, 0x00, 0xd0, 0xd1, 0x02, 0x9e, 0x7e, 0x57,
    0x6e, 0xec, 0x5d, 0x2d, 0x29, 0x80, 0x6f, 0xab, 0x93, 0xb8, 0xe6, 0x36, 0xcf, 0xeb, 0x31, 0xae};

Bytes text_key(const std::string& text) {
  return Bytes(text.begin(), text.end());
}
Bytes full_key(const std::string& text) {
  Bytes k = text_key(text);
  k.insert(k.end(), kKeyTail.begin(), kKeyTail.end());
  return k;
}

Bytes hmac(const Bytes& key, const std::uint8_t* data, std::size_t n) {
  Bytes out(32);
  unsigned len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), data, n, out.data(), &len);
  EXPECT_EQ(len, 32u);
  return out;
}

// Where a Flash client or server puts the digest: scheme 0 reads the offset at byte 8,
// scheme 1 at byte 772.
std::size_t flash_digest_pos(const std::uint8_t* block, int scheme) {
  const std::size_t base = scheme == 0 ? 8 : 772;
  unsigned sum = block[base] + block[base + 1] + block[base + 2] + block[base + 3];
  return base + 4 + sum % 728;
}

Bytes digest_of(const std::uint8_t* block, std::size_t pos, const Bytes& key) {
  Bytes joined(block, block + pos);
  joined.insert(joined.end(), block + pos + 32, block + 1536);
  return hmac(key, joined.data(), joined.size());
}

bool block_has_digest(const std::uint8_t* block, int scheme, const Bytes& key) {
  const std::size_t pos = flash_digest_pos(block, scheme);
  const Bytes d = digest_of(block, pos, key);
  return std::memcmp(d.data(), block + pos, 32) == 0;
}

// A C0C1 as Flash Player builds it, independent of ClientHandshake.
Bytes flash_c0c1(int scheme, std::uint32_t seed, Bytes* c1_digest) {
  std::mt19937 rng(seed);
  Bytes c(1 + 1536);
  c[0] = 3;
  for (std::size_t i = 1; i < c.size(); ++i) c[i] = static_cast<std::uint8_t>(rng());
  std::uint8_t* c1 = c.data() + 1;
  std::memset(c1, 0, 4);
  c1[4] = 10;
  c1[5] = 0;
  c1[6] = 32;
  c1[7] = 18;
  const std::size_t pos = flash_digest_pos(c1, scheme);
  const Bytes d = digest_of(c1, pos, text_key(kFpText));
  std::memcpy(c1 + pos, d.data(), 32);
  if (c1_digest) *c1_digest = d;
  return c;
}

struct Exchange {
  ServerHandshake server;
  ClientHandshake client;
  Bytes c0c1, s0s1s2, c2;
};

// Runs a full handshake, feeding each direction in pieces of `step` bytes.
void run(Exchange& x, std::size_t step) {
  x.client.start(x.c0c1);
  ASSERT_EQ(x.c0c1.size(), 1537u);
  for (std::size_t pos = 0; pos < x.c0c1.size(); pos += step) {
    const std::size_t n = std::min(step, x.c0c1.size() - pos);
    auto used = x.server.feed(std::span(x.c0c1).subspan(pos, n), x.s0s1s2);
    ASSERT_TRUE(used.ok()) << used.error().reason;
    ASSERT_EQ(*used, n);
    EXPECT_EQ(x.s0s1s2.empty(), pos + n < x.c0c1.size());
  }
  ASSERT_EQ(x.s0s1s2.size(), 1u + 2 * 1536);
  for (std::size_t pos = 0; pos < x.s0s1s2.size(); pos += step) {
    const std::size_t n = std::min(step, x.s0s1s2.size() - pos);
    auto used = x.client.feed(std::span(x.s0s1s2).subspan(pos, n), x.c2);
    ASSERT_TRUE(used.ok()) << used.error().reason;
    ASSERT_EQ(*used, n);
  }
  ASSERT_TRUE(x.client.done());
  ASSERT_EQ(x.c2.size(), 1536u);
  for (std::size_t pos = 0; pos < x.c2.size(); pos += step) {
    const std::size_t n = std::min(step, x.c2.size() - pos);
    EXPECT_FALSE(x.server.done());
    auto used = x.server.feed(std::span(x.c2).subspan(pos, n), x.s0s1s2);
    ASSERT_TRUE(used.ok());
    ASSERT_EQ(*used, n);
  }
  EXPECT_TRUE(x.server.done());
}

class HandshakeKinds : public ::testing::TestWithParam<HandshakeKind> {};

TEST_P(HandshakeKinds, ClientAndServerAgree) {
  for (std::size_t step : {std::size_t{1}, std::size_t{7}, std::size_t{1536}, std::size_t{5000}}) {
    Exchange x{ServerHandshake{}, ClientHandshake(GetParam()), {}, {}, {}};
    run(x, step);
    EXPECT_EQ(x.server.kind(), GetParam());
    EXPECT_EQ(x.client.server_complex(), GetParam() != HandshakeKind::Simple);
  }
}

TEST_P(HandshakeKinds, DigestsVerifyLikeFlash) {
  Exchange x{ServerHandshake{}, ClientHandshake(GetParam()), {}, {}, {}};
  run(x, 4096);
  const std::uint8_t* c1 = x.c0c1.data() + 1;
  const std::uint8_t* s1 = x.s0s1s2.data() + 1;
  const std::uint8_t* s2 = s1 + 1536;
  EXPECT_EQ(x.s0s1s2[0], 3);
  if (GetParam() == HandshakeKind::Simple) {
    EXPECT_EQ(Bytes(s2, s2 + 1536), Bytes(c1, c1 + 1536)) << "simple S2 echoes C1";
    EXPECT_EQ(Bytes(s1 + 4, s1 + 8), Bytes(4, 0)) << "simple S1 has four zero bytes";
    EXPECT_EQ(x.c2, Bytes(s1, s1 + 1536)) << "simple C2 echoes S1";
    return;
  }
  const int scheme = GetParam() == HandshakeKind::Scheme0 ? 0 : 1;
  ASSERT_TRUE(block_has_digest(c1, scheme, text_key(kFpText)));
  EXPECT_FALSE(block_has_digest(c1, 1 - scheme, text_key(kFpText)));
  // S1: digest with the 36-byte FMS text key at the same scheme's position.
  ASSERT_TRUE(block_has_digest(s1, scheme, text_key(kFmsText)));
  EXPECT_NE(Bytes(s1 + 4, s1 + 8), Bytes(4, 0)) << "complex S1 announces a server version";
  // S2: HMAC(HMAC(68-byte FMS key, C1 digest), S2[0..1504]) in the last 32 bytes.
  const std::size_t c1_pos = flash_digest_pos(c1, scheme);
  const Bytes s2_key = hmac(full_key(kFmsText), c1 + c1_pos, 32);
  EXPECT_EQ(hmac(s2_key, s2, 1504), Bytes(s2 + 1504, s2 + 1536));
  // C2: HMAC(HMAC(62-byte FP key, S1 digest), C2[0..1504]).
  const std::size_t s1_pos = flash_digest_pos(s1, scheme);
  const Bytes c2_key = hmac(full_key(kFpText), s1 + s1_pos, 32);
  EXPECT_EQ(hmac(c2_key, x.c2.data(), 1504), Bytes(x.c2.begin() + 1504, x.c2.end()));
}

INSTANTIATE_TEST_SUITE_P(All, HandshakeKinds,
                         ::testing::Values(HandshakeKind::Simple, HandshakeKind::Scheme0,
                                           HandshakeKind::Scheme1),
                         [](const auto& info) {
                           std::string s = to_string(info.param);
                           for (char& c : s) {
                             if (c == '-') c = '_';
                           }
                           return s;
                         });

TEST(ServerHandshake, DetectsHandBuiltFlashC1BothSchemes) {
  for (int scheme : {0, 1}) {
    for (std::uint32_t seed = 1; seed <= 20; ++seed) {
      Bytes c1_digest;
      const Bytes c0c1 = flash_c0c1(scheme, seed, &c1_digest);
      ServerHandshake server;
      Bytes out;
      auto used = server.feed(c0c1, out);
      ASSERT_TRUE(used.ok());
      EXPECT_EQ(server.kind(), scheme == 0 ? HandshakeKind::Scheme0 : HandshakeKind::Scheme1);
      ASSERT_EQ(out.size(), 3073u);
      const std::uint8_t* s1 = out.data() + 1;
      EXPECT_TRUE(block_has_digest(s1, scheme, text_key(kFmsText)));
      const Bytes key = hmac(full_key(kFmsText), c1_digest.data(), 32);
      EXPECT_EQ(hmac(key, s1 + 1536, 1504), Bytes(s1 + 1536 + 1504, s1 + 3072));
    }
  }
}

TEST(ServerHandshake, RepliesSimpleWhenDigestIsWrong) {
  Bytes c0c1 = flash_c0c1(1, 99, nullptr);
  const std::size_t pos = flash_digest_pos(c0c1.data() + 1, 1);
  c0c1[1 + pos] ^= 0x01;  // corrupt one digest byte
  ServerHandshake server;
  Bytes out;
  ASSERT_TRUE(server.feed(c0c1, out).ok());
  EXPECT_EQ(server.kind(), HandshakeKind::Simple);
  EXPECT_EQ(Bytes(out.begin() + 1537, out.end()), Bytes(c0c1.begin() + 1, c0c1.end()));
}

TEST(ServerHandshake, RejectsOtherVersionsImmediately) {
  for (std::uint8_t v : {0, 1, 2, 4, 6, 8, 9, 0x47, 0xff}) {
    ServerHandshake server;
    Bytes out;
    const std::uint8_t one[] = {v};
    auto r = server.feed(one, out);
    ASSERT_FALSE(r.ok()) << int(v);
    EXPECT_NE(r.error().reason.find("version " + std::to_string(v)), std::string::npos);
    if (v == 6) {
      EXPECT_NE(r.error().reason.find("RTMPE"), std::string::npos);
    }
    EXPECT_TRUE(out.empty());
    EXPECT_FALSE(server.feed(one, out).ok()) << "stays failed";
  }
  // "GET / HTTP/1.1" on the RTMP port.
  ServerHandshake server;
  Bytes out;
  const std::string http = "GET / HTTP/1.1\r\n";
  EXPECT_FALSE(
      server.feed({reinterpret_cast<const std::uint8_t*>(http.data()), http.size()}, out).ok());
}

TEST(ServerHandshake, LeavesChunkBytesUnconsumed) {
  ClientHandshake client(HandshakeKind::Scheme1);
  Bytes wire;
  client.start(wire);
  Bytes c2(1536, 0x5a);
  wire.insert(wire.end(), c2.begin(), c2.end());
  const Bytes chunk_data = {0x02, 0x00, 0x00, 0x00, 0x00};
  wire.insert(wire.end(), chunk_data.begin(), chunk_data.end());

  ServerHandshake server;
  Bytes out;
  auto used = server.feed(wire, out);
  ASSERT_TRUE(used.ok());
  EXPECT_EQ(*used, 1537u + 1536u);
  EXPECT_TRUE(server.done());
  EXPECT_EQ(out.size(), 3073u);
  auto again = server.feed(std::span(wire).subspan(*used), out);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0u) << "after done nothing is consumed";
}

TEST(ServerHandshake, EmptyFeedIsHarmless) {
  ServerHandshake server;
  Bytes out;
  auto used = server.feed({}, out);
  ASSERT_TRUE(used.ok());
  EXPECT_EQ(*used, 0u);
  EXPECT_FALSE(server.done());
}

TEST(ClientHandshake, RejectsForgedS2) {
  ClientHandshake client(HandshakeKind::Scheme0);
  Bytes c0c1, s0s1s2, c2;
  client.start(c0c1);
  ServerHandshake server;
  ASSERT_TRUE(server.feed(c0c1, s0s1s2).ok());
  s0s1s2.back() ^= 0x80;
  auto r = client.feed(s0s1s2, c2);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().reason.find("S2"), std::string::npos);
  EXPECT_FALSE(client.done());
}

TEST(ClientHandshake, AcceptsSimpleServer) {
  ClientHandshake client(HandshakeKind::Scheme1);
  Bytes c0c1, c2;
  client.start(c0c1);
  Bytes s0s1s2(3073, 0x11);
  s0s1s2[0] = 3;
  std::copy(c0c1.begin() + 1, c0c1.end(), s0s1s2.begin() + 1537);  // S2 = C1
  auto r = client.feed(s0s1s2, c2);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(client.done());
  EXPECT_FALSE(client.server_complex());
  EXPECT_EQ(c2, Bytes(s0s1s2.begin() + 1, s0s1s2.begin() + 1537));
}

TEST(ClientHandshake, ErrorsAndLeftovers) {
  ClientHandshake not_started;
  Bytes out;
  const std::uint8_t three[] = {3};
  EXPECT_FALSE(not_started.feed(three, out).ok());

  ClientHandshake client(HandshakeKind::Simple);
  Bytes c0c1;
  client.start(c0c1);
  const std::uint8_t bad[] = {6};
  EXPECT_FALSE(client.feed(bad, out).ok());

  ClientHandshake ok(HandshakeKind::Simple);
  Bytes wire;
  ok.start(c0c1);
  ServerHandshake server;
  ASSERT_TRUE(server.feed(c0c1, wire).ok());
  wire.push_back(0x42);  // first byte of chunk data
  auto used = ok.feed(wire, out);
  ASSERT_TRUE(used.ok());
  EXPECT_EQ(*used, 3073u);
  EXPECT_TRUE(ok.done());
}

}  // namespace
}  // namespace minirtc::rtmp
