// ChunkDecoder on arbitrary bytes: the whole input at once (messages with their own payloads),
// then the same input split at input-derived points and read through a MessageReceiver that
// leaves the decoder's buffers for reuse, must not crash and must give the same messages (or fail
// the same way).
// Decoded messages are re-encoded and decoded again as a round-trip check.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "rtmp/chunk_decoder.hpp"
#include "rtmp/chunk_encoder.hpp"

using namespace minirtc;
using namespace minirtc::rtmp;

namespace {

ChunkLimits fuzz_limits() {
  ChunkLimits l;
  l.max_message_size = 1 << 20;
  l.max_pending_bytes = 4 << 20;
  l.max_chunk_streams = 16;
  return l;
}

bool same(const Message& a, const Message& b) {
  return a.csid == b.csid && a.type == b.type && a.timestamp == b.timestamp &&
         a.stream_id == b.stream_id && a.payload.view() == b.payload.view();
}

// Copies what it is shown and leaves the decoder's buffer, as the load generator's viewers do.
struct Looking final : MessageReceiver {
  std::vector<Message>& out;
  explicit Looking(std::vector<Message>& o) : out(o) {}
  bool receive(CompletedMessage& m) override {
    out.push_back(
        Message{m.csid, m.type, m.timestamp, m.stream_id, SharedBuffer::copy_of(m.payload)});
    return true;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> in(data, size);

  ChunkDecoder whole(fuzz_limits());
  std::vector<Message> a;
  const bool whole_ok = whole.feed(in, a).ok();

  // Split into pieces whose lengths come from the input itself.
  ChunkDecoder split(fuzz_limits());
  std::vector<Message> b;
  Looking looking(b);
  bool split_ok = true;
  std::size_t pos = 0, i = 0;
  while (pos < size && split_ok) {
    const std::size_t n = std::min<std::size_t>(1 + data[i++ % size] % 17, size - pos);
    split_ok = split.feed(in.subspan(pos, n), looking).ok();
    pos += n;
  }
  if (whole_ok != split_ok) std::abort();
  if (whole_ok) {
    if (a.size() != b.size()) std::abort();
    for (std::size_t k = 0; k < a.size(); ++k) {
      if (!same(a[k], b[k])) std::abort();
    }
    if (whole.chunk_size() != split.chunk_size()) std::abort();
  }

  // Round trip of what was decoded, through the stateful encoder (keep it small).
  ChunkEncoder enc;
  std::vector<std::uint8_t> wire;
  std::vector<Message> sent;
  for (const auto& m : a) {
    if (m.type == 1 || m.type == 2) continue;  // would change the decoder's state
    if (sent.size() >= 64) break;
    enc.encode(m, wire);
    sent.push_back(m);
  }
  ChunkDecoder again(fuzz_limits());
  std::vector<Message> c;
  if (!again.feed(wire, c).ok()) std::abort();
  if (c.size() != sent.size()) std::abort();
  for (std::size_t k = 0; k < c.size(); ++k) {
    if (!same(c[k], sent[k])) std::abort();
  }
  return 0;
}
