// Protocol control and user control messages.
#include "rtmp/control.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace minirtc::rtmp {
namespace {

using Bytes = std::vector<std::uint8_t>;

TEST(Control, BuilderBytes) {
  EXPECT_EQ(set_chunk_size_payload(4096), (Bytes{0, 0, 0x10, 0}));
  EXPECT_EQ(set_chunk_size_payload(0xffffffff), (Bytes{0x7f, 0xff, 0xff, 0xff}));
  EXPECT_EQ(abort_payload(4), (Bytes{0, 0, 0, 4}));
  EXPECT_EQ(acknowledgement_payload(0x01020304), (Bytes{1, 2, 3, 4}));
  EXPECT_EQ(window_ack_size_payload(2500000), (Bytes{0x00, 0x26, 0x25, 0xa0}));
  EXPECT_EQ(set_peer_bandwidth_payload(2500000, PeerBandwidthLimit::Dynamic),
            (Bytes{0x00, 0x26, 0x25, 0xa0, 2}));
  EXPECT_EQ(stream_begin_payload(1), (Bytes{0, 0, 0, 0, 0, 1}));
  EXPECT_EQ(stream_eof_payload(1), (Bytes{0, 1, 0, 0, 0, 1}));
  EXPECT_EQ(stream_dry_payload(1), (Bytes{0, 2, 0, 0, 0, 1}));
  EXPECT_EQ(set_buffer_length_payload(1, 3000), (Bytes{0, 3, 0, 0, 0, 1, 0, 0, 0x0b, 0xb8}));
  EXPECT_EQ(stream_is_recorded_payload(1), (Bytes{0, 4, 0, 0, 0, 1}));
  EXPECT_EQ(ping_request_payload(0x10), (Bytes{0, 6, 0, 0, 0, 0x10}));
  EXPECT_EQ(ping_response_payload(0x10), (Bytes{0, 7, 0, 0, 0, 0x10}));
}

TEST(Control, ControlMessageHeader) {
  const Message m = control_message(MessageType::WindowAckSize, window_ack_size_payload(5));
  EXPECT_EQ(m.csid, kCsidProtocolControl);
  EXPECT_EQ(m.type, 5);
  EXPECT_EQ(m.stream_id, 0u);
  EXPECT_EQ(m.timestamp, 0u);
  EXPECT_EQ(m.payload.size(), 4u);
}

TEST(Control, ParseFixedSizePayloads) {
  EXPECT_EQ(*parse_set_chunk_size(set_chunk_size_payload(60000)), 60000u);
  EXPECT_FALSE(parse_set_chunk_size(Bytes{0x80, 0, 0, 1}).ok());
  EXPECT_FALSE(parse_set_chunk_size(Bytes{0, 0, 0, 0}).ok());
  EXPECT_FALSE(parse_set_chunk_size(Bytes{0, 0, 1}).ok());
  EXPECT_EQ(*parse_abort(abort_payload(9)), 9u);
  EXPECT_EQ(*parse_acknowledgement(acknowledgement_payload(123456)), 123456u);
  EXPECT_EQ(*parse_window_ack_size(window_ack_size_payload(2500000)), 2500000u);
  EXPECT_FALSE(parse_window_ack_size(Bytes{}).ok());
  EXPECT_FALSE(parse_acknowledgement(Bytes{1, 2}).ok());
  EXPECT_FALSE(parse_abort(Bytes{1}).ok());
  auto r = parse_window_ack_size(Bytes{1});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().reason.find("WindowAckSize"), std::string::npos);

  for (auto limit :
       {PeerBandwidthLimit::Hard, PeerBandwidthLimit::Soft, PeerBandwidthLimit::Dynamic}) {
    auto pb = parse_set_peer_bandwidth(set_peer_bandwidth_payload(1000, limit));
    ASSERT_TRUE(pb.ok());
    EXPECT_EQ(pb->window_size, 1000u);
    EXPECT_EQ(pb->limit, limit);
  }
  EXPECT_FALSE(parse_set_peer_bandwidth(Bytes{0, 0, 0, 1}).ok());
  EXPECT_FALSE(parse_set_peer_bandwidth(Bytes{0, 0, 0, 1, 3}).ok());
}

TEST(Control, ParseUserControl) {
  struct Case {
    Bytes payload;
    UserControlType type;
    std::uint32_t value;
  };
  const Case cases[] = {
      {stream_begin_payload(7), UserControlType::StreamBegin, 7},
      {stream_eof_payload(7), UserControlType::StreamEOF, 7},
      {stream_dry_payload(7), UserControlType::StreamDry, 7},
      {stream_is_recorded_payload(7), UserControlType::StreamIsRecorded, 7},
      {ping_request_payload(123), UserControlType::PingRequest, 123},
      {ping_response_payload(456), UserControlType::PingResponse, 456},
  };
  for (const auto& c : cases) {
    auto e = parse_user_control(c.payload);
    ASSERT_TRUE(e.ok());
    EXPECT_EQ(e->type, static_cast<std::uint16_t>(c.type));
    EXPECT_EQ(e->value, c.value);
    EXPECT_EQ(e->buffer_length_ms, 0u);
    // Truncated data is an error for known events.
    Bytes short_payload(c.payload.begin(), c.payload.end() - 1);
    EXPECT_FALSE(parse_user_control(short_payload).ok());
  }
  auto sbl = parse_user_control(set_buffer_length_payload(1, 3000));
  ASSERT_TRUE(sbl.ok());
  EXPECT_EQ(sbl->type, 3);
  EXPECT_EQ(sbl->value, 1u);
  EXPECT_EQ(sbl->buffer_length_ms, 3000u);
  EXPECT_FALSE(parse_user_control(Bytes{0, 3, 0, 0, 0, 1, 0, 0, 0}).ok());

  EXPECT_FALSE(parse_user_control(Bytes{}).ok());
  EXPECT_FALSE(parse_user_control(Bytes{0}).ok());
  // Unknown event types pass through (e.g. SRS/FMS BufferEmpty 31, BufferReady 32).
  auto unknown = parse_user_control(Bytes{0, 31, 0, 0, 0, 1});
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(unknown->type, 31);
  EXPECT_EQ(unknown->value, 1u);
  auto bare = parse_user_control(Bytes{0, 32});
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->value, 0u);
}

}  // namespace
}  // namespace minirtc::rtmp
