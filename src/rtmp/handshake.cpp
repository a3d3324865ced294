#include "rtmp/handshake.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstring>
#include <string>

namespace minirtc::rtmp {

namespace handshake_detail {
namespace {

constexpr std::uint8_t kGenuineFmsKey[68] = {
    'G',  'e',  'n',  'u',  'i',  'n',  'e',  ' ',  'A',  'd',  'o',  'b',  'e',  ' ',
    'F',  'l',  'a',  's',  'h',  ' ',  'M',  'e',  'd',  'i',  'a',  ' ',  'S',  'e',
    'r',  'v',  'e',  'r',  ' ',  '0',  '0',  '1',  0xf0, 0xee, 0xc2, 0x4a, 0x80, 0x68,
    0xbe, 0xe8, 0x2e, 0x00, 0xd0, 0xd1, 0x02, 0x9e, 0x7e, 0x57, 0x6e, 0xec, 0x5d, 0x2d,
    0x29, 0x80, 0x6f, 0xab, 0x93, 0xb8, 0xe6, 0x36, 0xcf, 0xeb, 0x31, 0xae};

constexpr std::uint8_t kGenuineFpKey[62] = {
    'G',  'e',  'n',  'u',  'i',  'n',  'e',  ' ',  'A',  'd',  'o',  'b',  'e',  ' ',  'F',  'l',
    'a',  's',  'h',  ' ',  'P',  'l',  'a',  'y',  'e',  'r',  ' ',  '0',  '0',  '1',  0xf0, 0xee,
    0xc2, 0x4a, 0x80, 0x68, 0xbe, 0xe8, 0x2e, 0x00, 0xd0, 0xd1, 0x02, 0x9e, 0x7e, 0x57, 0x6e, 0xec,
    0x5d, 0x2d, 0x29, 0x80, 0x6f, 0xab, 0x93, 0xb8, 0xe6, 0x36, 0xcf, 0xeb, 0x31, 0xae};

}  // namespace

std::span<const std::uint8_t> fms_key() {
  return kGenuineFmsKey;
}
std::span<const std::uint8_t> fp_key() {
  return kGenuineFpKey;
}

std::size_t digest_offset(std::span<const std::uint8_t, kHandshakeSize> c1, HandshakeKind scheme) {
  // The 4 offset bytes open the digest block; the digest lies within the 728 bytes after them
  // (764 - 4 offset bytes - 32 digest bytes = 728 possible positions).
  const std::size_t block = scheme == HandshakeKind::Scheme0 ? 8 : 772;
  const std::size_t sum = std::size_t{c1[block]} + c1[block + 1] + c1[block + 2] + c1[block + 3];
  return block + 4 + sum % 728;
}

std::array<std::uint8_t, kHandshakeDigestSize> hmac_sha256(std::span<const std::uint8_t> key,
                                                           std::span<const std::uint8_t> data) {
  std::array<std::uint8_t, kHandshakeDigestSize> out{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), data.data(), data.size(), out.data(),
       &len);
  return out;
}

std::array<std::uint8_t, kHandshakeDigestSize> block_digest(
    std::span<const std::uint8_t, kHandshakeSize> block, std::size_t offset,
    std::span<const std::uint8_t> key) {
  std::array<std::uint8_t, kHandshakeSize - kHandshakeDigestSize> joined{};
  std::copy_n(block.begin(), offset, joined.begin());
  std::copy(block.begin() + static_cast<std::ptrdiff_t>(offset + kHandshakeDigestSize), block.end(),
            joined.begin() + static_cast<std::ptrdiff_t>(offset));
  return hmac_sha256(key, joined);
}

bool has_valid_digest(std::span<const std::uint8_t, kHandshakeSize> block, HandshakeKind scheme,
                      std::span<const std::uint8_t> key) {
  const std::size_t offset = digest_offset(block, scheme);
  const auto expected = block_digest(block, offset, key);
  return std::equal(expected.begin(), expected.end(),
                    block.begin() + static_cast<std::ptrdiff_t>(offset));
}

}  // namespace handshake_detail

namespace {

using namespace handshake_detail;

void fill_random(std::span<std::uint8_t> bytes) {
  // Handshake randomness only has to look random to the peer; it protects nothing. Should the
  // RNG fail, the bytes stay as they were, which still yields a valid handshake.
  if (!bytes.empty()) (void)RAND_bytes(bytes.data(), static_cast<int>(bytes.size()));
}

void put_u32be(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}

/// A 1536-byte C1/S1 for a complex scheme: time 0, `version`, random, and the digest under `key`.
std::array<std::uint8_t, kHandshakeSize> make_complex_c1(HandshakeKind scheme,
                                                         std::uint32_t version,
                                                         std::span<const std::uint8_t> key) {
  std::array<std::uint8_t, kHandshakeSize> block{};
  fill_random(std::span(block).subspan(8));
  put_u32be(block.data(), 0);
  put_u32be(block.data() + 4, version);
  const std::size_t offset = digest_offset(block, scheme);
  const auto digest = block_digest(block, offset, key);
  std::copy(digest.begin(), digest.end(), block.begin() + static_cast<std::ptrdiff_t>(offset));
  return block;
}

/// A 1536-byte S2/C2 for the complex handshake: random bytes whose last 32 are
/// HMAC(HMAC(full key, peer digest), first 1504 bytes).
std::array<std::uint8_t, kHandshakeSize> make_complex_c2(std::span<const std::uint8_t> peer_digest,
                                                         std::span<const std::uint8_t> full_key) {
  std::array<std::uint8_t, kHandshakeSize> block{};
  fill_random(block);
  const auto temp_key = hmac_sha256(full_key, peer_digest);
  const auto digest =
      hmac_sha256(temp_key, std::span(block).first(kHandshakeSize - kHandshakeDigestSize));
  std::copy(digest.begin(), digest.end(), block.end() - kHandshakeDigestSize);
  return block;
}

bool complex_c2_valid(std::span<const std::uint8_t, kHandshakeSize> c2,
                      std::span<const std::uint8_t> my_digest,
                      std::span<const std::uint8_t> full_key) {
  const auto temp_key = hmac_sha256(full_key, my_digest);
  const auto expected = hmac_sha256(temp_key, c2.first(kHandshakeSize - kHandshakeDigestSize));
  return std::equal(expected.begin(), expected.end(), c2.end() - kHandshakeDigestSize);
}

Error bad_version(std::uint8_t version) {
  std::string reason = "rtmp handshake: unsupported version " + std::to_string(version);
  if (version == 6 || version == 8 || version == 9)
    reason += " (RTMPE encryption is not supported)";
  reason += "; only plain RTMP (3) is accepted";
  return make_error(std::move(reason));
}

// What this server announces in S1's version field (any non-zero value marks a complex-capable
// server; this is the one FMS 3.x sent).
constexpr std::uint32_t kServerVersion = 0x04050001;
// What the client announces in C1 for the complex handshake (Flash Player 10-style, non-zero).
constexpr std::uint32_t kClientVersion = 0x0a000c02;

}  // namespace

const char* to_string(HandshakeKind kind) noexcept {
  switch (kind) {
    case HandshakeKind::Unknown:
      return "unknown";
    case HandshakeKind::Simple:
      return "simple";
    case HandshakeKind::Scheme0:
      return "complex-scheme0";
    case HandshakeKind::Scheme1:
      return "complex-scheme1";
  }
  return "unknown";
}

// ---------------------------------------------------------------------------------------------
// Server

Result<std::size_t> ServerHandshake::feed(std::span<const std::uint8_t> in,
                                          std::vector<std::uint8_t>& out) {
  if (state_ == State::Failed) return make_error("rtmp handshake: already failed");
  std::size_t used = 0;
  if (state_ == State::C0C1 && used < in.size()) {
    if (have_ == 0 && in[0] != kRtmpVersion) {
      state_ = State::Failed;
      return bad_version(in[0]);
    }
    const std::size_t n = std::min(in.size(), c0c1_.size() - have_);
    std::copy_n(in.begin(), n, c0c1_.begin() + static_cast<std::ptrdiff_t>(have_));
    have_ += n;
    used += n;
    if (have_ == c0c1_.size()) {
      reply(out);
      state_ = State::C2;
      have_ = 0;
    }
  }
  if (state_ == State::C2 && used < in.size()) {
    // C2 is read and ignored: clients differ in what they put there (echo of S1, a digest, or
    // junk), and nothing about the connection depends on it.
    const std::size_t n = std::min(in.size() - used, kHandshakeSize - have_);
    have_ += n;
    used += n;
    if (have_ == kHandshakeSize) state_ = State::Done;
  }
  return used;
}

void ServerHandshake::reply(std::vector<std::uint8_t>& out) {
  const std::span<const std::uint8_t, kHandshakeSize> c1(c0c1_.data() + 1, kHandshakeSize);
  const auto fp_text = fp_key().first(kFpKeyTextSize);
  kind_ = HandshakeKind::Simple;
  for (HandshakeKind scheme : {HandshakeKind::Scheme0, HandshakeKind::Scheme1}) {
    if (has_valid_digest(c1, scheme, fp_text)) {
      kind_ = scheme;
      break;
    }
  }

  out.reserve(out.size() + 1 + 2 * kHandshakeSize);
  out.push_back(kRtmpVersion);
  if (kind_ == HandshakeKind::Simple) {
    // S1: time 0, four zero bytes, random. S2: an echo of C1.
    std::array<std::uint8_t, kHandshakeSize> s1{};
    fill_random(std::span(s1).subspan(8));
    out.insert(out.end(), s1.begin(), s1.end());
    out.insert(out.end(), c1.begin(), c1.end());
    return;
  }
  const auto s1 = make_complex_c1(kind_, kServerVersion, fms_key().first(kFmsKeyTextSize));
  const std::size_t c1_offset = digest_offset(c1, kind_);
  const auto s2 = make_complex_c2(c1.subspan(c1_offset, kHandshakeDigestSize), fms_key());
  out.insert(out.end(), s1.begin(), s1.end());
  out.insert(out.end(), s2.begin(), s2.end());
}

// ---------------------------------------------------------------------------------------------
// Client

ClientHandshake::ClientHandshake(HandshakeKind kind)
    : kind_(kind == HandshakeKind::Unknown ? HandshakeKind::Simple : kind) {}

void ClientHandshake::start(std::vector<std::uint8_t>& out) {
  if (state_ != State::Init) return;
  if (kind_ == HandshakeKind::Simple) {
    c1_.fill(0);
    fill_random(std::span(c1_).subspan(8));
  } else {
    c1_ = make_complex_c1(kind_, kClientVersion, fp_key().first(kFpKeyTextSize));
    const std::size_t offset = digest_offset(c1_, kind_);
    std::copy_n(c1_.begin() + static_cast<std::ptrdiff_t>(offset), kHandshakeDigestSize,
                c1_digest_.begin());
  }
  out.push_back(kRtmpVersion);
  out.insert(out.end(), c1_.begin(), c1_.end());
  s0s1s2_.reserve(1 + 2 * kHandshakeSize);
  state_ = State::S0S1S2;
}

Result<std::size_t> ClientHandshake::feed(std::span<const std::uint8_t> in,
                                          std::vector<std::uint8_t>& out) {
  if (state_ == State::Failed) return make_error("rtmp handshake: already failed");
  if (state_ == State::Init) return make_error("rtmp handshake: start() was not called");
  if (state_ == State::Done) return std::size_t{0};
  if (s0s1s2_.empty() && !in.empty() && in[0] != kRtmpVersion) {
    state_ = State::Failed;
    return bad_version(in[0]);
  }
  const std::size_t n = std::min(in.size(), 1 + 2 * kHandshakeSize - s0s1s2_.size());
  s0s1s2_.insert(s0s1s2_.end(), in.begin(), in.begin() + static_cast<std::ptrdiff_t>(n));
  if (s0s1s2_.size() < 1 + 2 * kHandshakeSize) return n;

  const std::span<const std::uint8_t, kHandshakeSize> s1(s0s1s2_.data() + 1, kHandshakeSize);
  const std::span<const std::uint8_t, kHandshakeSize> s2(s0s1s2_.data() + 1 + kHandshakeSize,
                                                         kHandshakeSize);
  server_complex_ = kind_ != HandshakeKind::Simple &&
                    has_valid_digest(s1, kind_, fms_key().first(kFmsKeyTextSize));
  if (server_complex_) {
    // A complex server must prove it saw our digest: S2 is keyed by it.
    if (!complex_c2_valid(s2, c1_digest_, fms_key())) {
      state_ = State::Failed;
      return make_error("rtmp handshake: S2 digest does not match C1 (not a genuine server)");
    }
    const std::size_t s1_offset = digest_offset(s1, kind_);
    const auto c2 = make_complex_c2(s1.subspan(s1_offset, kHandshakeDigestSize), fp_key());
    out.insert(out.end(), c2.begin(), c2.end());
  } else {
    out.insert(out.end(), s1.begin(), s1.end());  // simple: C2 echoes S1
  }
  s0s1s2_.clear();
  s0s1s2_.shrink_to_fit();
  state_ = State::Done;
  return n;
}

}  // namespace minirtc::rtmp
