// rtmp::PlayClient (the relay's pull, src/rtmp/play_client.hpp) on arbitrary bytes from a
// possibly hostile origin, after the client's start(): handshake, control messages, commands,
// media. Must never crash, never report media before Play.Start nor Play.Start twice, never take
// back a byte count, and an error must be final (every later feed() fails too).
//
// Input: [piece size byte] then the origin's bytes, fed in input-derived pieces (1 to 3,185
// bytes), so every message boundary also falls across feed() calls.
//
// The client's C1 is random on every run (OpenSSL), and a genuine origin's S2 ends with an HMAC
// keyed by C1's digest: a recorded answer would be refused at S2 on every run and the fuzzer would
// never get past the handshake. So when the input's S1 (bytes 1..1536 of the server's bytes)
// carries a valid complex digest, the target rewrites the last 32 bytes of S2 as that origin
// would have computed them for this run's C1; every other byte is the input's. A wrong S2 is
// fuzz_rtmp_handshake's case; an S1 without a valid digest is a simple answer, which the client
// accepts without looking at S2.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "rtmp/handshake.hpp"
#include "rtmp/play_client.hpp"

using namespace minirtc;
using namespace minirtc::rtmp;

namespace {

constexpr std::size_t kS0S1S2 = 1 + 2 * kHandshakeSize;

/// Re-signs S2 (in `server`) for the client's C1 (in `c0c1`) when S1 is a genuine complex S1.
void sign_s2_for(std::span<const std::uint8_t> c0c1, std::vector<std::uint8_t>& server) {
  namespace hd = handshake_detail;
  if (server.size() < kS0S1S2 || c0c1.size() != 1 + kHandshakeSize) return;
  const std::span<const std::uint8_t, kHandshakeSize> s1(server.data() + 1, kHandshakeSize);
  if (!hd::has_valid_digest(s1, HandshakeKind::Scheme1, hd::fms_key().first(hd::kFmsKeyTextSize)))
    return;
  const std::span<const std::uint8_t, kHandshakeSize> c1(c0c1.data() + 1, kHandshakeSize);
  const auto c1_digest =
      c1.subspan(hd::digest_offset(c1, HandshakeKind::Scheme1), kHandshakeDigestSize);
  const auto key = hd::hmac_sha256(hd::fms_key(), c1_digest);
  const std::span<std::uint8_t> s2(server.data() + 1 + kHandshakeSize, kHandshakeSize);
  const auto digest = hd::hmac_sha256(key, s2.first(kHandshakeSize - kHandshakeDigestSize));
  std::copy(digest.begin(), digest.end(), s2.end() - kHandshakeDigestSize);
}

ChunkLimits fuzz_limits() {
  // The relay's limits are the defaults (16 MiB messages); smaller ones keep each run fast and
  // reach the limit checks with short inputs.
  ChunkLimits l;
  l.max_message_size = 1 << 20;
  l.max_pending_bytes = 4 << 20;
  return l;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t step = 1 + data[0] % 200 * 16;
  std::vector<std::uint8_t> server(data + 1, data + size);

  PlayClient client(
      PlayTarget{"live", "rtmp://origin:1935/live", "app~room~user~main?a=relay&e=1&s=x"},
      fuzz_limits());
  std::vector<std::uint8_t> c0c1;
  client.start(c0c1);
  if (c0c1.size() != 1 + kHandshakeSize) std::abort();
  sign_s2_for(c0c1, server);

  const std::span<const std::uint8_t> in(server);
  std::vector<std::uint8_t> out;
  std::vector<PlayEvent> events;
  bool failed = false, started = false;
  std::uint64_t received = 0;
  for (std::size_t pos = 0; pos < in.size(); pos += step) {
    const auto piece = in.subspan(pos, std::min(step, in.size() - pos));
    const std::size_t before = events.size();
    const auto st = client.feed(piece, out, events);
    if (failed && st.ok()) std::abort();  // an error is final
    if (!st.ok()) failed = true;
    if (client.bytes_received() < received) std::abort();
    received = client.bytes_received();
    for (std::size_t i = before; i < events.size(); ++i) {
      if (events[i].kind == PlayEvent::Kind::Started) {
        if (started) std::abort();  // Play.Start reported once
        started = true;
      } else if (!started) {
        std::abort();  // media only once playing
      }
    }
    if (started != client.playing()) std::abort();
    events.clear();
    out.clear();
  }
  return 0;
}
