// ServerHandshake and ClientHandshake on arbitrary bytes, fed in input-derived pieces: must never
// crash, never consume more than given, and produce exactly S0S1S2 / C2 sizes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "rtmp/handshake.hpp"

using namespace minirtc;
using namespace minirtc::rtmp;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> in(data, size);
  const std::size_t step = size == 0 ? 1 : 1 + data[0] % 200 * 16;

  ServerHandshake server;
  std::vector<std::uint8_t> out;
  std::size_t total = 0;
  for (std::size_t pos = 0; pos < size; pos += step) {
    const auto piece = in.subspan(pos, std::min(step, size - pos));
    auto used = server.feed(piece, out);
    if (!used.ok()) break;
    if (*used > piece.size()) std::abort();
    total += *used;
    if (*used < piece.size() && !server.done()) std::abort();  // only leftovers after done
  }
  if (!out.empty() && out.size() != 1 + 2 * kHandshakeSize) std::abort();
  if (server.done() && total != 1 + 2 * kHandshakeSize) std::abort();

  const HandshakeKind kinds[] = {HandshakeKind::Simple, HandshakeKind::Scheme0,
                                 HandshakeKind::Scheme1};
  ClientHandshake client(kinds[size % 3]);
  std::vector<std::uint8_t> c0c1, c2;
  client.start(c0c1);
  for (std::size_t pos = 0; pos < size; pos += step) {
    const auto piece = in.subspan(pos, std::min(step, size - pos));
    auto used = client.feed(piece, c2);
    if (!used.ok()) break;
    if (*used > piece.size()) std::abort();
  }
  if (!c2.empty() && c2.size() != kHandshakeSize) std::abort();
  return 0;
}
