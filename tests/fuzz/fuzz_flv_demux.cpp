// libFuzzer target: the FLV demuxer on arbitrary bytes, fed whole (tags with their own bodies) and
// in fuzzer-chosen pieces through a TagReceiver that leaves the demuxer's buffer for reuse; both
// ways must give the same tags and the same verdict.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "flv/demuxer.hpp"

using minirtc::flv::Demuxer;
using minirtc::flv::DemuxLimits;
using minirtc::flv::Tag;

namespace {
// Copies what it is shown and leaves the demuxer's buffer, as the load generator's viewers do.
struct Looking final : minirtc::flv::TagReceiver {
  std::vector<Tag>& out;
  explicit Looking(std::vector<Tag>& o) : out(o) {}
  bool receive(minirtc::flv::CompletedTag& t) override {
    out.push_back(Tag{t.type, t.timestamp, minirtc::SharedBuffer::copy_of(t.body)});
    return true;
  }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  // The first byte picks the split size and the mode; the rest is the stream.
  const std::size_t chunk = 1 + (data[0] & 0x3F);
  DemuxLimits limits;
  limits.max_tag_size = 1u << 16;
  limits.check_previous_tag_size = (data[0] & 0x40) == 0;
  const std::span<const std::uint8_t> stream(data + 1, size - 1);

  Demuxer whole(limits);
  std::vector<Tag> a;
  const bool ok_whole = whole.feed(stream, a).ok();

  Demuxer pieces(limits);
  std::vector<Tag> b;
  Looking looking(b);
  bool ok_pieces = true;
  for (std::size_t pos = 0; pos < stream.size() && ok_pieces; pos += chunk) {
    const std::size_t n = stream.size() - pos < chunk ? stream.size() - pos : chunk;
    ok_pieces = pieces.feed(stream.subspan(pos, n), looking).ok();
  }
  if (ok_whole != ok_pieces || a.size() != b.size()) std::abort();
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].type != b[i].type || a[i].timestamp != b[i].timestamp ||
        a[i].data.view() != b[i].data.view() || a[i].data.size() > limits.max_tag_size) {
      std::abort();
    }
  }
  return 0;
}
