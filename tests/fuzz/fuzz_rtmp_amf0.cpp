// AMF0 decoder on arbitrary bytes; whatever decodes must re-encode and decode to the same values,
// and the command/data/aggregate/control parsers built on it must not crash either.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "rtmp/aggregate.hpp"
#include "rtmp/amf0.hpp"
#include "rtmp/command.hpp"
#include "rtmp/control.hpp"

using namespace minirtc;
using namespace minirtc::rtmp;

namespace {

// NaN != NaN, so compare re-encoded bytes rather than values.
bool stable(const std::vector<amf0::Value>& values) {
  std::vector<std::uint8_t> first;
  for (const auto& v : values) amf0::encode(v, first);
  auto again = amf0::decode_all(first);
  if (!again.ok() || again->size() != values.size()) return false;
  std::vector<std::uint8_t> second;
  for (const auto& v : *again) amf0::encode(v, second);
  return first == second;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> in(data, size);
  amf0::DecodeLimits limits;
  limits.max_elements = 4096;
  auto values = amf0::decode_all(in, limits);
  if (values.ok() && !stable(*values)) std::abort();

  Message m;
  m.payload = SharedBuffer::copy_of(in);
  for (MessageType t : {MessageType::CommandAmf0, MessageType::CommandAmf3}) {
    m.type = to_u8(t);
    auto c = parse_command(m, limits);
    if (c.ok()) (void)encode_command(c->name, c->transaction_id, c->object, c->args);
  }
  for (MessageType t : {MessageType::DataAmf0, MessageType::DataAmf3}) {
    m.type = to_u8(t);
    auto d = parse_data(m, limits);
    if (d.ok() && d->metadata() != nullptr) (void)on_metadata_payload(*d->metadata());
  }
  m.type = to_u8(MessageType::Aggregate);
  (void)split_aggregate(m);
  (void)parse_user_control(in);
  (void)parse_set_peer_bandwidth(in);
  (void)parse_set_chunk_size(in);
  return 0;
}
