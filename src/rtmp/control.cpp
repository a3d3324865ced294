#include "rtmp/control.hpp"

#include <string>

#include "util/byte_reader.hpp"
#include "util/byte_writer.hpp"

namespace minirtc::rtmp {

namespace {

std::vector<std::uint8_t> u32_payload(std::uint32_t v) {
  std::vector<std::uint8_t> out;
  ByteWriter(out).u32be(v);
  return out;
}

Result<std::uint32_t> parse_u32(std::span<const std::uint8_t> payload, const char* what) {
  ByteReader r(payload);
  const auto v = r.u32be();
  if (!v) return make_error(std::string("rtmp control: ") + what + " payload shorter than 4 bytes");
  return *v;
}

}  // namespace

std::vector<std::uint8_t> set_chunk_size_payload(std::uint32_t size) {
  return u32_payload(size & 0x7fffffffu);
}
std::vector<std::uint8_t> abort_payload(std::uint32_t csid) {
  return u32_payload(csid);
}
std::vector<std::uint8_t> acknowledgement_payload(std::uint32_t sequence_number) {
  return u32_payload(sequence_number);
}
std::vector<std::uint8_t> window_ack_size_payload(std::uint32_t window_size) {
  return u32_payload(window_size);
}

std::vector<std::uint8_t> set_peer_bandwidth_payload(std::uint32_t window_size,
                                                     PeerBandwidthLimit limit) {
  std::vector<std::uint8_t> out;
  ByteWriter w(out);
  w.u32be(window_size);
  w.u8(static_cast<std::uint8_t>(limit));
  return out;
}

std::vector<std::uint8_t> user_control_payload(UserControlType type, std::uint32_t value) {
  std::vector<std::uint8_t> out;
  ByteWriter w(out);
  w.u16be(static_cast<std::uint16_t>(type));
  w.u32be(value);
  return out;
}

std::vector<std::uint8_t> stream_begin_payload(std::uint32_t stream_id) {
  return user_control_payload(UserControlType::StreamBegin, stream_id);
}
std::vector<std::uint8_t> stream_eof_payload(std::uint32_t stream_id) {
  return user_control_payload(UserControlType::StreamEOF, stream_id);
}
std::vector<std::uint8_t> stream_dry_payload(std::uint32_t stream_id) {
  return user_control_payload(UserControlType::StreamDry, stream_id);
}
std::vector<std::uint8_t> stream_is_recorded_payload(std::uint32_t stream_id) {
  return user_control_payload(UserControlType::StreamIsRecorded, stream_id);
}
std::vector<std::uint8_t> set_buffer_length_payload(std::uint32_t stream_id,
                                                    std::uint32_t buffer_ms) {
  auto out = user_control_payload(UserControlType::SetBufferLength, stream_id);
  ByteWriter(out).u32be(buffer_ms);
  return out;
}
std::vector<std::uint8_t> ping_request_payload(std::uint32_t timestamp) {
  return user_control_payload(UserControlType::PingRequest, timestamp);
}
std::vector<std::uint8_t> ping_response_payload(std::uint32_t timestamp) {
  return user_control_payload(UserControlType::PingResponse, timestamp);
}

Message control_message(MessageType type, std::vector<std::uint8_t> payload) {
  Message m;
  m.csid = kCsidProtocolControl;
  m.type = to_u8(type);
  m.payload = SharedBuffer(std::move(payload));
  return m;
}

Result<std::uint32_t> parse_set_chunk_size(std::span<const std::uint8_t> payload) {
  auto v = parse_u32(payload, "SetChunkSize");
  if (!v) return v;
  if (*v & 0x80000000u) return make_error("rtmp control: SetChunkSize with the top bit set");
  if (*v == 0) return make_error("rtmp control: SetChunkSize 0");
  return v;
}
Result<std::uint32_t> parse_abort(std::span<const std::uint8_t> payload) {
  return parse_u32(payload, "Abort");
}
Result<std::uint32_t> parse_acknowledgement(std::span<const std::uint8_t> payload) {
  return parse_u32(payload, "Acknowledgement");
}
Result<std::uint32_t> parse_window_ack_size(std::span<const std::uint8_t> payload) {
  return parse_u32(payload, "WindowAckSize");
}

Result<PeerBandwidth> parse_set_peer_bandwidth(std::span<const std::uint8_t> payload) {
  ByteReader r(payload);
  const auto size = r.u32be();
  const auto limit = r.u8();
  if (!size || !limit)
    return make_error("rtmp control: SetPeerBandwidth payload shorter than 5 bytes");
  if (*limit > 2) {
    return make_error("rtmp control: SetPeerBandwidth limit type " + std::to_string(*limit));
  }
  return PeerBandwidth{*size, static_cast<PeerBandwidthLimit>(*limit)};
}

Result<UserControlEvent> parse_user_control(std::span<const std::uint8_t> payload) {
  ByteReader r(payload);
  const auto type = r.u16be();
  if (!type) return make_error("rtmp user control: payload shorter than 2 bytes");
  UserControlEvent e;
  e.type = *type;
  const auto value = r.u32be();
  switch (static_cast<UserControlType>(*type)) {
    case UserControlType::StreamBegin:
    case UserControlType::StreamEOF:
    case UserControlType::StreamDry:
    case UserControlType::StreamIsRecorded:
    case UserControlType::PingRequest:
    case UserControlType::PingResponse:
      if (!value) {
        return make_error("rtmp user control: event " + std::to_string(*type) +
                          " shorter than 4 data bytes");
      }
      e.value = *value;
      return e;
    case UserControlType::SetBufferLength: {
      const auto ms = r.u32be();
      if (!value || !ms)
        return make_error("rtmp user control: SetBufferLength shorter than 8 data bytes");
      e.value = *value;
      e.buffer_length_ms = *ms;
      return e;
    }
  }
  e.value = value.value_or(0);  // an event type we do not know: pass it on
  return e;
}

}  // namespace minirtc::rtmp
