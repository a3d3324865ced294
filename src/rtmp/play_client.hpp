#pragma once
// The client side of an RTMP play or publish, as a pure state machine: what a node's relay
// (server/relay) speaks to pull a stream from another node, and what its push forward
// (server/push_forward) speaks to publish a stream on another node. Bytes from the server go in;
// bytes to send and events (started, media) come out. No socket, no clock.
//
// The exchange, in the order ffmpeg and librtmp use:
//   C0C1 → S0S1S2 → C2, connect(app, tcUrl) → _result → createStream → _result(stream id)
//   play:    → SetBufferLength, play(stream name with its signed query)
//            → onStatus NetStream.Play.Start
//            → audio (8), video (9) and data (18) messages until the connection ends.
//   publish: → SetChunkSize(out_chunk_size), publish(stream name with its signed query, "live")
//            → onStatus NetStream.Publish.Start; the caller then sends the media itself, whole
//            messages chunked at out_chunk_size on the stream id of createStream (stream_id()),
//            interleaved with what feed() keeps producing (acknowledgements, ping responses) only
//            between messages. Media the server sends a publisher is ignored.
// The handshake is the complex one (rtmp::ClientHandshake, Scheme1), which every server answers.
// The client acknowledges received bytes when the server asked for it (WindowAckSize) and
// answers pings; aggregates (type 22) are split into their messages.
//
// Refusals and faults are errors of feed(), after which the connection is to be closed: an
// `_error` reply, an onStatus of level "error" (the server's code, e.g.
// NetStream.Play.StreamNotFound, is in the reason, and in refusal_code()), and any protocol
// violation (bad handshake, chunk stream, AMF or control message). The decoder's limits bound what
// the server can make the client hold (rtmp::ChunkLimits; the default allows the largest media
// message, 16 MiB).

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "rtmp/chunk_decoder.hpp"
#include "rtmp/chunk_encoder.hpp"
#include "rtmp/handshake.hpp"
#include "rtmp/message.hpp"
#include "util/result.hpp"

namespace minirtc::rtmp {

struct PlayTarget {
  std::string app = "live";
  std::string tc_url;    // "rtmp://host:port/live"
  std::string stream;    // the play (or publish) name: stream key, '?', signed query
  bool publish = false;  // publish instead of play
  /// Publish only: the chunk size announced before `publish` and used from then on (by this
  /// client's own messages and, by the caller, for the media); 0 keeps the default 128.
  std::uint32_t out_chunk_size = 0;
};

struct PlayEvent {
  enum class Kind : std::uint8_t {
    Started,  // onStatus NetStream.Play.Start (NetStream.Publish.Start): the server accepted
    Media,    // an audio, video or data message of the stream (message stream id as sent)
  };
  Kind kind = Kind::Media;
  Message message;  // Media only
};

class PlayClient : private MessageReceiver {
 public:
  explicit PlayClient(PlayTarget target, ChunkLimits limits = {});

  /// Appends C0+C1 to `out`. Call once, before feed().
  void start(std::vector<std::uint8_t>& out);
  /// Consumes all of `in`: appends what to send to `out` and what happened to `events`. An error
  /// (refusal or protocol fault) is final: every later feed() returns it again.
  Status feed(std::span<const std::uint8_t> in, std::vector<std::uint8_t>& out,
              std::vector<PlayEvent>& events);

  /// NetStream.Play.Start (publish: NetStream.Publish.Start) was received.
  bool playing() const noexcept { return playing_; }
  /// The message stream id createStream answered (0 before).
  std::uint32_t stream_id() const noexcept { return stream_id_; }
  /// Chunk-stream bytes received (after the handshake).
  std::uint64_t bytes_received() const noexcept { return decoder_.bytes_received(); }
  /// After a refusal (an `_error` reply or an onStatus of level "error"): the server's code and
  /// description ("" otherwise, and after a protocol fault).
  const std::string& refusal_code() const noexcept { return refusal_code_; }
  const std::string& refusal_description() const noexcept { return refusal_description_; }

 private:
  bool receive(CompletedMessage& m) override;
  Status handle(const Message& m);
  Status handle_command(const Message& m);
  void send_command(std::uint32_t csid, std::uint32_t stream_id, std::vector<std::uint8_t> body);

  PlayTarget target_;
  ClientHandshake handshake_;
  ChunkDecoder decoder_;
  ChunkEncoder encoder_;
  Status failed_;
  std::string refusal_code_, refusal_description_;
  bool playing_ = false;
  std::uint32_t stream_id_ = 0;
  std::uint32_t ack_window_ = 0;
  std::uint64_t acked_ = 0;
  // Where the current feed() puts its output (set for its duration only).
  std::vector<std::uint8_t>* out_ = nullptr;
  std::vector<PlayEvent>* events_ = nullptr;
  Status message_status_;
};

}  // namespace minirtc::rtmp
