#include "rtmp/aggregate.hpp"

#include <string>

#include "util/byte_reader.hpp"

namespace minirtc::rtmp {

namespace {

bool aggregatable(std::uint8_t type) {
  return type == to_u8(MessageType::Audio) || type == to_u8(MessageType::Video) ||
         type == to_u8(MessageType::DataAmf0) || type == to_u8(MessageType::DataAmf3);
}

}  // namespace

Result<std::vector<Message>> split_aggregate(const Message& aggregate,
                                             const AggregateLimits& limits) {
  if (aggregate.type != to_u8(MessageType::Aggregate)) {
    return make_error("rtmp aggregate: message type " + std::to_string(aggregate.type) +
                      " is not an aggregate");
  }
  ByteReader r(aggregate.payload.span());
  std::vector<Message> out;
  std::uint32_t first_ts = 0;
  while (!r.empty()) {
    const auto at = std::to_string(r.position());
    if (out.size() >= limits.max_messages) {
      return make_error("rtmp aggregate: more than " + std::to_string(limits.max_messages) +
                        " sub-messages");
    }
    const auto type = r.u8();
    const auto size = r.u24be();
    const auto ts_low = r.u24be();
    const auto ts_high = r.u8();
    const auto stream_id = r.u24be();
    if (!type || !size || !ts_low || !ts_high || !stream_id) {
      return make_error("rtmp aggregate: truncated tag header at byte " + at);
    }
    // The top bits of an FLV tag type byte are reserved/filter flags, not part of the type.
    const std::uint8_t sub_type = *type & 0x1f;
    if (!aggregatable(sub_type)) {
      return make_error("rtmp aggregate: sub-message type " + std::to_string(sub_type) +
                        " at byte " + at + " (only audio, video, data)");
    }
    const auto body = r.bytes(*size);
    if (!body) return make_error("rtmp aggregate: truncated tag body at byte " + at);
    if (!r.empty() && !r.skip(4)) {
      return make_error("rtmp aggregate: truncated back pointer at byte " + at);
    }
    const std::uint32_t ts = *ts_low | std::uint32_t{*ts_high} << 24;
    if (out.empty()) first_ts = ts;
    Message m;
    m.csid = aggregate.csid;
    m.type = sub_type;
    m.timestamp = aggregate.timestamp + (ts - first_ts);  // modulo 2^32, like all RTMP time
    m.stream_id = aggregate.stream_id;
    m.payload = SharedBuffer::copy_of(*body);
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace minirtc::rtmp
