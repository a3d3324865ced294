#pragma once
// The RTMP handshake: C0/C1/C2 from the client, S0/S1/S2 from the server, 1 + 1536 + 1536 bytes
// each way before any chunk data.
//
// Two flavours exist in the wild:
//  - simple (RTMP 1.0 spec): S1 is time + zero + random, S2 echoes C1;
//  - complex (Flash Player 9+, also ffmpeg/librtmp/OBS by default): C1 and S1 hide an
//    HMAC-SHA256 digest at a position derived from their own bytes, and S2/C2 carry a digest
//    keyed by the peer's digest. Flash players (and some mobile SDKs) refuse a server whose
//    S1/S2 lack valid digests, so a server must answer complex to complex.
//
// C1 layout in the complex handshake: time(4) version(4) then two 764-byte blocks, a "digest"
// block (4 offset bytes, then the 32-byte digest at (sum of the offset bytes % 728) within the
// next 728 bytes) and a "key" block (Diffie-Hellman key, unused for plain RTMP). Naming follows
// librtmp/crtmpserver:
//  - Scheme0: digest block first (offset bytes at 8..11, digest at 12 + sum % 728);
//  - Scheme1: key block first (offset bytes at 772..775, digest at 776 + sum % 728).
// (SRS calls these the other way round: its "schema0" is our Scheme1.)
//
// Pure: no sockets, no clock (the time fields are 0). Randomness comes from OpenSSL RAND_bytes.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "util/result.hpp"

namespace minirtc::rtmp {

inline constexpr std::size_t kHandshakeSize = 1536;      // C1, C2, S1, S2
inline constexpr std::uint8_t kRtmpVersion = 3;          // C0/S0: plain RTMP
inline constexpr std::size_t kHandshakeDigestSize = 32;  // HMAC-SHA256

enum class HandshakeKind : std::uint8_t { Unknown, Simple, Scheme0, Scheme1 };

const char* to_string(HandshakeKind kind) noexcept;

/// Server side. feed() bytes as they arrive; it consumes only handshake bytes, so whatever it does
/// not consume (returned count < input size) is the start of chunk data.
class ServerHandshake {
 public:
  /// Consumes at most what the handshake still needs and returns how many bytes it consumed.
  /// Appends S0+S1+S2 to `out` once C0+C1 are complete. Errors: C0 version other than 3.
  /// After done(), consumes nothing and returns 0.
  Result<std::size_t> feed(std::span<const std::uint8_t> in, std::vector<std::uint8_t>& out);
  /// C0, C1 and C2 all received (S0S1S2 were produced earlier).
  bool done() const noexcept { return state_ == State::Done; }
  /// Which handshake the client used (known once S0S1S2 were produced).
  HandshakeKind kind() const noexcept { return kind_; }

 private:
  enum class State : std::uint8_t { C0C1, C2, Done, Failed };
  void reply(std::vector<std::uint8_t>& out);

  State state_ = State::C0C1;
  HandshakeKind kind_ = HandshakeKind::Unknown;
  std::array<std::uint8_t, 1 + kHandshakeSize> c0c1_{};
  std::size_t have_ = 0;  // bytes of the current phase received so far
};

/// Client side, for the load generator and tests: start() produces C0C1, feed() takes S0S1S2 and
/// produces C2. With a complex scheme it verifies S1 and S2 the way Flash Player does (error on a
/// bad S2 digest); a server that answers simple (S1 without a valid digest) is accepted and
/// answered with the simple C2 (an echo of S1).
class ClientHandshake {
 public:
  explicit ClientHandshake(HandshakeKind kind = HandshakeKind::Scheme1);

  /// Appends C0+C1 to `out`. Call once, before feed().
  void start(std::vector<std::uint8_t>& out);
  /// Consumes at most S0+S1+S2 (returns the count); appends C2 to `out` when they are complete.
  Result<std::size_t> feed(std::span<const std::uint8_t> in, std::vector<std::uint8_t>& out);
  bool done() const noexcept { return state_ == State::Done; }
  /// Whether the server answered with a valid complex S1/S2 (only meaningful after done()).
  bool server_complex() const noexcept { return server_complex_; }

 private:
  enum class State : std::uint8_t { Init, S0S1S2, Done, Failed };

  HandshakeKind kind_;
  State state_ = State::Init;
  bool server_complex_ = false;
  std::array<std::uint8_t, kHandshakeSize> c1_{};
  std::array<std::uint8_t, kHandshakeDigestSize> c1_digest_{};
  std::vector<std::uint8_t> s0s1s2_;
};

namespace handshake_detail {
// Exposed for tests that check digests independently of the classes above.

/// Byte offset of the 32-byte digest inside a 1536-byte C1/S1 for a complex scheme.
std::size_t digest_offset(std::span<const std::uint8_t, kHandshakeSize> c1, HandshakeKind scheme);
/// HMAC-SHA256 of the 1536-byte block with the 32 digest bytes at `offset` left out.
std::array<std::uint8_t, kHandshakeDigestSize> block_digest(
    std::span<const std::uint8_t, kHandshakeSize> block, std::size_t offset,
    std::span<const std::uint8_t> key);
/// HMAC-SHA256(key, data).
std::array<std::uint8_t, kHandshakeDigestSize> hmac_sha256(std::span<const std::uint8_t> key,
                                                           std::span<const std::uint8_t> data);
/// "Genuine Adobe Flash Media Server 001" + 32 constant bytes (68 bytes); S1 digests use the
/// first 36 bytes, S2 keys the full 68.
std::span<const std::uint8_t> fms_key();
/// "Genuine Adobe Flash Player 001" + the same 32 bytes (62 bytes); C1 digests use the first 30,
/// C2 keys the full 62.
std::span<const std::uint8_t> fp_key();
inline constexpr std::size_t kFmsKeyTextSize = 36;
inline constexpr std::size_t kFpKeyTextSize = 30;
/// Whether `block` carries a valid digest for `scheme` under `key`.
bool has_valid_digest(std::span<const std::uint8_t, kHandshakeSize> block, HandshakeKind scheme,
                      std::span<const std::uint8_t> key);

}  // namespace handshake_detail

}  // namespace minirtc::rtmp
