#pragma once
// Protocol control messages (types 1, 2, 3, 5, 6; RTMP spec 5.4) and user control messages
// (type 4; spec 6.2 and 7.1.7): payload builders and parsers.

#include <cstdint>
#include <span>
#include <vector>

#include "rtmp/message.hpp"
#include "util/result.hpp"

namespace minirtc::rtmp {

enum class PeerBandwidthLimit : std::uint8_t { Hard = 0, Soft = 1, Dynamic = 2 };

enum class UserControlType : std::uint16_t {
  StreamBegin = 0,
  StreamEOF = 1,
  StreamDry = 2,
  SetBufferLength = 3,
  StreamIsRecorded = 4,
  PingRequest = 6,
  PingResponse = 7,
};

/// A parsed user control event. `value` is the stream id for the stream events, the timestamp
/// for PingRequest/PingResponse, or the first 4 data bytes of an unknown event type (0 if the
/// event carries fewer); `buffer_length_ms` is set for SetBufferLength only.
struct UserControlEvent {
  std::uint16_t type = 0;  // a UserControlType value (kept raw: peers send others, e.g. 31/32)
  std::uint32_t value = 0;
  std::uint32_t buffer_length_ms = 0;
};

struct PeerBandwidth {
  std::uint32_t window_size = 0;
  PeerBandwidthLimit limit = PeerBandwidthLimit::Dynamic;
};

// Payload builders.
std::vector<std::uint8_t> set_chunk_size_payload(std::uint32_t size);  // top bit cleared
std::vector<std::uint8_t> abort_payload(std::uint32_t csid);
std::vector<std::uint8_t> acknowledgement_payload(std::uint32_t sequence_number);
std::vector<std::uint8_t> window_ack_size_payload(std::uint32_t window_size);
std::vector<std::uint8_t> set_peer_bandwidth_payload(std::uint32_t window_size,
                                                     PeerBandwidthLimit limit);
std::vector<std::uint8_t> user_control_payload(UserControlType type, std::uint32_t value);
std::vector<std::uint8_t> stream_begin_payload(std::uint32_t stream_id);
std::vector<std::uint8_t> stream_eof_payload(std::uint32_t stream_id);
std::vector<std::uint8_t> stream_dry_payload(std::uint32_t stream_id);
std::vector<std::uint8_t> stream_is_recorded_payload(std::uint32_t stream_id);
std::vector<std::uint8_t> set_buffer_length_payload(std::uint32_t stream_id,
                                                    std::uint32_t buffer_ms);
std::vector<std::uint8_t> ping_request_payload(std::uint32_t timestamp);
std::vector<std::uint8_t> ping_response_payload(std::uint32_t timestamp);

/// A protocol/user control message ready for a ChunkEncoder: csid 2, message stream 0,
/// timestamp 0.
Message control_message(MessageType type, std::vector<std::uint8_t> payload);

// Parsers (each rejects a payload shorter than its fixed size; longer is accepted).
Result<std::uint32_t> parse_set_chunk_size(std::span<const std::uint8_t> payload);  // 1..2^31-1
Result<std::uint32_t> parse_abort(std::span<const std::uint8_t> payload);
Result<std::uint32_t> parse_acknowledgement(std::span<const std::uint8_t> payload);
Result<std::uint32_t> parse_window_ack_size(std::span<const std::uint8_t> payload);
Result<PeerBandwidth> parse_set_peer_bandwidth(std::span<const std::uint8_t> payload);
Result<UserControlEvent> parse_user_control(std::span<const std::uint8_t> payload);

}  // namespace minirtc::rtmp
