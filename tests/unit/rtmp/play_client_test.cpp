// The play client against a scripted server made of the server-side pieces of rtmp/ (handshake,
// chunk decoder, encode_message, command builders): what it sends, what it reports, what it
// refuses.
#include "rtmp/play_client.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "rtmp/amf0.hpp"
#include "rtmp/command.hpp"
#include "rtmp/control.hpp"

namespace minirtc::rtmp {
namespace {

using Bytes = std::vector<std::uint8_t>;
using amf0::Value;

/// The server end: answers the handshake, decodes what the client sends.
struct Server {
  ServerHandshake handshake;
  ChunkDecoder decoder;
  std::vector<Message> received;

  /// Feeds client bytes; returns the server's handshake reply (if any).
  Bytes take(const Bytes& from_client) {
    Bytes reply;
    std::span<const std::uint8_t> in(from_client);
    if (!handshake.done()) {
      auto used = handshake.feed(in, reply);
      EXPECT_TRUE(used.ok());
      in = in.subspan(*used);
    }
    if (!in.empty()) {
      EXPECT_TRUE(decoder.feed(in, received).ok());
    }
    return reply;
  }
  std::vector<Command> commands() const {
    std::vector<Command> out;
    for (auto& m : received)
      if (m.type == to_u8(MessageType::CommandAmf0)) out.push_back(*parse_command(m));
    return out;
  }
};

Bytes message(std::uint32_t csid, MessageType type, std::uint32_t ts, std::uint32_t stream,
              const Bytes& payload, std::uint32_t chunk = kDefaultChunkSize) {
  Bytes out;
  encode_message(csid, to_u8(type), ts, stream, payload, chunk, out);
  return out;
}

Bytes command(const Bytes& body, std::uint32_t stream = 0) {
  return message(kCsidCommand, MessageType::CommandAmf0, 0, stream, body);
}

struct Exchange {
  PlayClient client{PlayTarget{"live", "rtmp://origin:1935/live", "app~r~u~main?a=relay&e=1"}};
  Server server;
  std::vector<PlayEvent> events;

  Status to_client(const Bytes& bytes) {
    Bytes out;
    auto st = client.feed(bytes, out, events);
    if (!out.empty()) {
      Bytes reply = server.take(out);
      if (!reply.empty()) return to_client(reply);
    }
    return st;
  }

  /// Handshake, connect, createStream, play: up to the point the server answers play.
  void up_to_play() {
    Bytes c0c1;
    client.start(c0c1);
    ASSERT_TRUE(to_client(server.take(c0c1)).ok());
    ASSERT_TRUE(server.handshake.done());
    auto cmds = server.commands();
    ASSERT_EQ(cmds.size(), 1u);
    EXPECT_EQ(cmds[0].name, "connect");
    EXPECT_EQ(cmds[0].object.get_string("app"), "live");
    EXPECT_EQ(cmds[0].object.get_string("tcUrl"), "rtmp://origin:1935/live");
    ASSERT_TRUE(to_client(command(connect_result(cmds[0].transaction_id))).ok());
    cmds = server.commands();
    ASSERT_EQ(cmds.size(), 2u);
    EXPECT_EQ(cmds[1].name, "createStream");
    ASSERT_TRUE(to_client(command(result(cmds[1].transaction_id, Value::number(7)))).ok());
    cmds = server.commands();
    ASSERT_EQ(cmds.size(), 3u);
    EXPECT_EQ(cmds[2].name, "play");
    ASSERT_FALSE(cmds[2].args.empty());
    EXPECT_EQ(cmds[2].args[0].as_string(), "app~r~u~main?a=relay&e=1");
    EXPECT_EQ(server.received.back().stream_id, 7u);
    EXPECT_FALSE(client.playing());
  }
};

TEST(PlayClient, PlaysAndDeliversMedia) {
  Exchange x;
  x.up_to_play();
  // Media before Play.Start is not the stream yet.
  ASSERT_TRUE(x.to_client(message(kCsidVideo, MessageType::Video, 5, 7, Bytes{0x17, 0})).ok());
  EXPECT_TRUE(x.events.empty());
  ASSERT_TRUE(
      x.to_client(command(on_status("status", "NetStream.Play.Start", "Started playing"), 7)).ok());
  EXPECT_TRUE(x.client.playing());
  ASSERT_EQ(x.events.size(), 1u);
  EXPECT_EQ(x.events[0].kind, PlayEvent::Kind::Started);

  // A larger chunk size, then a video message across chunks, audio and metadata.
  Bytes bytes =
      message(kCsidProtocolControl, MessageType::SetChunkSize, 0, 0, set_chunk_size_payload(4096));
  Bytes video(10000, 0x42);
  video[0] = 0x17;
  auto v = message(kCsidVideo, MessageType::Video, 40, 7, video, 4096);
  auto a = message(kCsidAudio, MessageType::Audio, 41, 7, Bytes{0xaf, 1, 2, 3}, 4096);
  auto d = message(kCsidData, MessageType::DataAmf0, 0, 7,
                   on_metadata_payload(Value::ecma_array({{"width", Value::number(320)}})), 4096);
  bytes.insert(bytes.end(), v.begin(), v.end());
  bytes.insert(bytes.end(), a.begin(), a.end());
  bytes.insert(bytes.end(), d.begin(), d.end());
  // Split anywhere: the events do not depend on it.
  for (std::size_t i = 0; i < bytes.size(); i += 777)
    ASSERT_TRUE(
        x.to_client(Bytes(bytes.begin() + i, bytes.begin() + std::min(bytes.size(), i + 777)))
            .ok());
  ASSERT_EQ(x.events.size(), 4u);
  EXPECT_EQ(x.events[1].message.type, to_u8(MessageType::Video));
  EXPECT_EQ(x.events[1].message.timestamp, 40u);
  EXPECT_EQ(x.events[1].message.payload.size(), video.size());
  EXPECT_EQ(x.events[2].message.type, to_u8(MessageType::Audio));
  EXPECT_EQ(x.events[3].message.type, to_u8(MessageType::DataAmf0));
  auto data = parse_data(x.events[3].message);
  ASSERT_TRUE(data.ok());
  ASSERT_NE(data->metadata(), nullptr);
}

TEST(PlayClient, SplitsAggregates) {
  Exchange x;
  x.up_to_play();
  ASSERT_TRUE(x.to_client(command(on_status("status", "NetStream.Play.Start", ""), 7)).ok());
  // Two FLV tags (audio at +0, video at +20) in one aggregate.
  auto tag = [](std::uint8_t type, std::uint32_t ts, Bytes body) {
    Bytes t{type,
            0,
            0,
            static_cast<std::uint8_t>(body.size()),
            static_cast<std::uint8_t>(ts >> 16),
            static_cast<std::uint8_t>(ts >> 8),
            static_cast<std::uint8_t>(ts),
            0,
            0,
            0,
            0};
    t.insert(t.end(), body.begin(), body.end());
    const auto back = static_cast<std::uint32_t>(t.size());
    for (int s : {24, 16, 8, 0}) t.push_back(static_cast<std::uint8_t>(back >> s));
    return t;
  };
  Bytes agg = tag(8, 1000, {0xaf, 1});
  auto t2 = tag(9, 1020, {0x27, 1});
  agg.insert(agg.end(), t2.begin(), t2.end());
  ASSERT_TRUE(x.to_client(message(kCsidVideo, MessageType::Aggregate, 500, 7, agg)).ok());
  ASSERT_EQ(x.events.size(), 3u);
  EXPECT_EQ(x.events[1].message.type, 8);
  EXPECT_EQ(x.events[1].message.timestamp, 500u);
  EXPECT_EQ(x.events[2].message.type, 9);
  EXPECT_EQ(x.events[2].message.timestamp, 520u);
}

TEST(PlayClient, AcknowledgesAndAnswersPings) {
  Exchange x;
  x.up_to_play();
  ASSERT_TRUE(x.to_client(message(kCsidProtocolControl, MessageType::WindowAckSize, 0, 0,
                                  window_ack_size_payload(1000)))
                  .ok());
  ASSERT_TRUE(x.to_client(command(on_status("status", "NetStream.Play.Start", ""), 7)).ok());
  const std::size_t before = x.server.received.size();
  ASSERT_TRUE(x.to_client(message(kCsidAudio, MessageType::Audio, 1, 7, Bytes(1200, 0xaf))).ok());
  ASSERT_EQ(x.server.received.size(), before + 1);
  const auto& ack = x.server.received.back();
  EXPECT_EQ(ack.type, to_u8(MessageType::Acknowledgement));
  EXPECT_EQ(*parse_acknowledgement(ack.payload.span()), x.client.bytes_received());

  ASSERT_TRUE(x.to_client(message(kCsidProtocolControl, MessageType::UserControl, 0, 0,
                                  ping_request_payload(1234)))
                  .ok());
  const auto& pong = x.server.received.back();
  ASSERT_EQ(pong.type, to_u8(MessageType::UserControl));
  auto ev = parse_user_control(pong.payload.span());
  EXPECT_EQ(ev->type, static_cast<std::uint16_t>(UserControlType::PingResponse));
  EXPECT_EQ(ev->value, 1234u);
}

// Publish mode (a node's push forward): the same exchange up to createStream, then the announced
// chunk size and publish; Publish.Start starts it; media from the server is no stream of ours.
TEST(PlayClient, PublishesWithItsChunkSize) {
  // A publish name longer than one 128-byte chunk: it must be chunked at the announced size.
  const std::string name = "app~r~u~main?a=fwd&e=1&n=" + std::string(200, 'x');
  PlayClient client{PlayTarget{"live", "rtmp://room-node:1935/live", name, true, 60000}};
  Server server;
  std::vector<PlayEvent> events;
  std::function<Status(const Bytes&)> to_client = [&](const Bytes& bytes) {
    Bytes out;
    auto st = client.feed(bytes, out, events);
    if (!out.empty()) {
      Bytes reply = server.take(out);
      if (!reply.empty()) return to_client(reply);
    }
    return st;
  };
  Bytes c0c1;
  client.start(c0c1);
  ASSERT_TRUE(to_client(server.take(c0c1)).ok());
  auto cmds = server.commands();
  ASSERT_EQ(cmds.size(), 1u);
  ASSERT_TRUE(to_client(command(connect_result(cmds[0].transaction_id))).ok());
  cmds = server.commands();
  ASSERT_EQ(cmds.size(), 2u);
  EXPECT_EQ(cmds[1].name, "createStream");
  ASSERT_TRUE(to_client(command(result(cmds[1].transaction_id, Value::number(1)))).ok());
  EXPECT_EQ(client.stream_id(), 1u);
  // SetChunkSize, then publish(name, "live") on the stream, decoded at the new size.
  ASSERT_GE(server.received.size(), 2u);
  const auto& chunk = server.received[server.received.size() - 2];
  EXPECT_EQ(chunk.type, to_u8(MessageType::SetChunkSize));
  EXPECT_EQ(server.decoder.chunk_size(), 60000u);
  cmds = server.commands();
  ASSERT_EQ(cmds.size(), 3u);
  EXPECT_EQ(cmds[2].name, "publish");
  ASSERT_EQ(cmds[2].args.size(), 2u);
  EXPECT_EQ(cmds[2].args[0].as_string(), name);
  EXPECT_EQ(cmds[2].args[1].as_string(), "live");
  EXPECT_EQ(server.received.back().stream_id, 1u);
  EXPECT_FALSE(client.playing());
  // Play.Start is not a publish's start; Publish.Start is.
  ASSERT_TRUE(to_client(command(on_status("status", "NetStream.Play.Start", ""), 1)).ok());
  EXPECT_FALSE(client.playing());
  ASSERT_TRUE(to_client(command(on_status("status", "NetStream.Publish.Start", ""), 1)).ok());
  EXPECT_TRUE(client.playing());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, PlayEvent::Kind::Started);
  ASSERT_TRUE(to_client(message(kCsidVideo, MessageType::Video, 5, 1, Bytes{0x17, 0})).ok());
  EXPECT_EQ(events.size(), 1u);
  // A refusal later (the room's node closed the publish) is the client's error.
  auto st = to_client(command(on_status("error", "NetStream.Publish.Denied", "kicked"), 1));
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().reason.find("NetStream.Publish.Denied"), std::string::npos);
  EXPECT_EQ(client.refusal_code(), "NetStream.Publish.Denied");
  EXPECT_EQ(client.refusal_description(), "kicked");
}

TEST(PlayClient, RefusedPlayIsAnErrorWithTheServersCode) {
  Exchange x;
  x.up_to_play();
  auto st = x.to_client(
      command(on_status("error", "NetStream.Play.StreamNotFound", "URL signature invalid"), 7));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().reason, "refused: NetStream.Play.StreamNotFound: URL signature invalid");
  EXPECT_EQ(x.client.refusal_code(), "NetStream.Play.StreamNotFound");
  EXPECT_EQ(x.client.refusal_description(), "URL signature invalid");
  EXPECT_FALSE(x.client.playing());
  // Final: later bytes do not revive it.
  EXPECT_FALSE(x.to_client(command(on_status("status", "NetStream.Play.Start", ""), 7)).ok());
  EXPECT_FALSE(x.client.playing());
}

TEST(PlayClient, RefusedConnectIsAnError) {
  Exchange x;
  Bytes c0c1;
  x.client.start(c0c1);
  ASSERT_TRUE(x.to_client(x.server.take(c0c1)).ok());
  auto st = x.to_client(command(
      error(1, status_info("error", "NetConnection.Connect.Rejected", "unknown application"))));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().reason, "refused: NetConnection.Connect.Rejected: unknown application");
  EXPECT_EQ(x.client.refusal_code(), "NetConnection.Connect.Rejected");
}

TEST(PlayClient, GarbageIsAnError) {
  {
    PlayClient c{PlayTarget{}};
    Bytes out;
    std::vector<PlayEvent> events;
    c.start(out);
    Bytes s0(1 + 2 * kHandshakeSize, 0);
    s0[0] = 9;  // not RTMP version 3
    EXPECT_FALSE(c.feed(s0, out, events).ok());
    EXPECT_EQ(c.refusal_code(), "");  // a fault, not the server's refusal
  }
  Exchange x;
  x.up_to_play();
  // A command that is not AMF.
  EXPECT_FALSE(
      x.to_client(message(kCsidCommand, MessageType::CommandAmf0, 0, 0, Bytes{0x42})).ok());
}

TEST(PlayClient, LimitsHold) {
  Exchange x;
  x.client = PlayClient{PlayTarget{"live", "rtmp://origin:1935/live", "app~r~u~main?a=relay&e=1"},
                        ChunkLimits{.max_message_size = 1000}};
  x.up_to_play();
  ASSERT_TRUE(x.to_client(command(on_status("status", "NetStream.Play.Start", ""), 7)).ok());
  auto st = x.to_client(message(kCsidVideo, MessageType::Video, 1, 7, Bytes(1001, 0x17)));
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().reason.find("chunk stream"), std::string::npos) << st.error().reason;
}

}  // namespace
}  // namespace minirtc::rtmp
