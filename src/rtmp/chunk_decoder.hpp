#pragma once
// Reassembles RTMP messages from the chunk stream (RTMP 1.0 spec, section 5.3).
//
// Incremental: bytes may arrive split anywhere (down to one byte per feed()); the messages that
// come out do not depend on the split. Handles the four message header formats, 1/2/3-byte basic
// headers (csid 2..65599), extended timestamps, timestamp deltas and interleaved chunk streams.
//
// Extended timestamps on fmt3 continuation chunks: the spec (and Flash, ffmpeg, librtmp) repeat
// the 4-byte extended timestamp on every fmt3 chunk of a message whose header had one, but some
// encoders do not. Like SRS, on a continuation chunk we peek the 4 bytes and take them as the
// extended timestamp only when they equal the value of the message's header; otherwise they are
// payload. The first chunk of a new message sent with fmt3 always carries it.
//
// SetChunkSize (type 1) and Abort (type 2) are applied by the decoder itself as soon as they
// complete, since they change how the very next bytes are parsed; they are still output.
//
// Two ways to take the messages out. feed(data, out) gives each one its own shared payload, which
// is what an ingest path needs (the payload becomes a packet shared by every viewer).
// feed(data, receiver) hands each message over while its payload is still the decoder's buffer:
// a receiver that only looks at the bytes leaves the buffer, and the chunk stream's next message
// reuses its storage, so a reader that parses thousands of messages a second (the load generator's
// viewers) allocates nothing per message.
//
// Memory follows the bytes received, never the lengths declared: a message's buffer grows as its
// bytes arrive (geometrically, capped at the declared length, so at most twice what arrived), and
// the limits below bound what a peer can make the decoder hold. A peer that declares 16 MB and
// sends one byte costs one byte (plus its chunk stream's small state), not a 16 MB reservation.
// The limits can change while the decoder runs (set_limits): a server starts a connection with
// the small kCommandLimits and raises them only once the peer is authorized to send media.
//
// After an error the decoder stays failed: the connection must be closed.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "rtmp/message.hpp"
#include "util/receiver.hpp"
#include "util/result.hpp"

namespace minirtc::rtmp {

struct ChunkLimits {
  std::uint32_t max_message_size = 16u << 20;  // declared length of one message
  std::uint32_t max_chunk_size = 0xFFFFFF;     // largest SetChunkSize accepted from the peer
  std::size_t max_chunk_streams = 64;          // distinct csids a peer may use
  std::size_t max_pending_bytes = 32u << 20;   // payload bytes of all incomplete messages
};

/// Limits for a peer that only sends commands and control messages: a client before its
/// `connect` and signed `publish`/`play` are accepted, and a player after. The largest message of
/// that phase is `connect`. Measured with a 305-character signed URL: ffmpeg's connect is 197 B,
/// rtmpdump's with that URL also as swfUrl and pageUrl 831 B, publish/play about 300 B. A signed
/// query is at most 1024 characters, so even three full URLs in one connect stay under 4 KB:
/// 8 KiB per message, 16 KiB in total so that two can interleave. ffmpeg and librtmp (rtmpdump,
/// OBS) use chunk streams 2, 3, 4 and 8 in this phase: 8 distinct ones leave room. The chunk size
/// is left free: it costs nothing, since buffers follow the bytes that arrive.
inline constexpr ChunkLimits kCommandLimits{
    .max_message_size = 8 * 1024,
    .max_chunk_size = 0xFFFFFF,
    .max_chunk_streams = 8,
    .max_pending_bytes = 16 * 1024,
};

/// A message the decoder just completed. `payload` is the decoder's buffer: take it (std::move) to
/// keep the bytes, or leave it and the decoder reuses its storage.
struct CompletedMessage {
  std::uint32_t csid = 0;
  std::uint8_t type = 0;
  std::uint32_t timestamp = 0;
  std::uint32_t stream_id = 0;
  std::vector<std::uint8_t>& payload;
};

using MessageReceiver = Receiver<CompletedMessage>;

class ChunkDecoder {
 public:
  explicit ChunkDecoder(ChunkLimits limits = {});

  /// Parses `data`, appending every message it completes to `out`. Partial chunks are kept for
  /// the next call. Returns an error (and stays failed) on a protocol violation or a limit.
  Status feed(std::span<const std::uint8_t> data, std::vector<Message>& out);
  /// The same, handing each message to `receiver` as it completes.
  Status feed(std::span<const std::uint8_t> data, MessageReceiver& receiver);

  /// Replaces the limits, from the next byte on (also from inside a receiver: the bytes after the
  /// message just handed over are read under the new limits). Headers are then checked against
  /// the new message size, payload bytes against the new pending total, new chunk streams against
  /// the new count. Meant for raising them once the peer is authorized; lowering them below what
  /// is already held fails the decoder at its next payload byte.
  void set_limits(const ChunkLimits& limits) noexcept { limits_ = limits; }
  const ChunkLimits& limits() const noexcept { return limits_; }

  /// Payload bytes held in incomplete messages (what max_pending_bytes bounds).
  std::size_t pending_bytes() const noexcept { return pending_bytes_; }
  /// Memory of the buffers holding them: at least pending_bytes(), at most twice it (plus the
  /// reused buffers of at most 64 KiB a MessageReceiver leaves on its chunk streams).
  std::size_t buffered_bytes() const noexcept;
  /// The decoder failed because the peer passed one of the limits (message size, pending bytes,
  /// chunk streams, chunk size), not because of malformed bytes.
  bool failed_on_limit() const noexcept { return failed_on_limit_; }

  /// The peer's current chunk size (128 until it sends SetChunkSize).
  std::uint32_t chunk_size() const noexcept { return chunk_size_; }
  /// Every byte given to feed(), for Acknowledgement sequence numbers.
  std::uint64_t bytes_received() const noexcept { return bytes_received_; }

 private:
  // What one chunk stream remembers between chunks (spec 5.3.1.2: later headers omit fields
  // equal to the previous message's on the same csid).
  struct StreamState {
    std::uint32_t timestamp = 0;  // absolute timestamp of the current/last message
    std::uint32_t ts_field = 0;   // last timestamp field (fmt0: absolute, fmt1/2: delta)
    std::uint32_t length = 0;
    std::uint8_t type = 0;
    std::uint32_t stream_id = 0;
    bool extended = false;    // last header used an extended timestamp
    bool in_message = false;  // a message is partially received
    std::vector<std::uint8_t> payload;
  };

  Error fail(std::string reason);        // marks the decoder failed
  Error fail_limit(std::string reason);  // the same, on a passed limit
  Status consume(std::span<const std::uint8_t> data, MessageReceiver& receiver);
  // Header bytes still needed (0 once header_ holds a full header); may fail on a bad csid.
  Result<std::size_t> header_bytes_needed();
  Status apply_header(MessageReceiver& receiver);
  Status take_payload(std::span<const std::uint8_t>& data, MessageReceiver& receiver);
  Status finish_message(std::uint32_t csid, StreamState& s, MessageReceiver& receiver);
  StreamState* find_stream(std::uint32_t csid) noexcept;

  ChunkLimits limits_;
  std::uint32_t chunk_size_ = kDefaultChunkSize;
  std::uint64_t bytes_received_ = 0;
  std::size_t pending_bytes_ = 0;
  bool failed_ = false;
  bool failed_on_limit_ = false;
  std::string error_;

  // By csid. A peer uses a handful (at most max_chunk_streams), so a linear search beats hashing;
  // each state is allocated once, so references to it stay valid while streams are added.
  std::vector<std::pair<std::uint32_t, std::unique_ptr<StreamState>>> streams_;
  bool stopped_ = false;  // the receiver asked to stop during this feed()

  // Header being assembled: basic (<= 3) + message (<= 11) + extended timestamp (4).
  std::uint8_t header_[18] = {};
  std::size_t header_len_ = 0;
  // While reading a chunk's payload: its csid and how many payload bytes remain in the chunk.
  bool in_payload_ = false;
  std::uint32_t payload_csid_ = 0;
  std::uint32_t chunk_remaining_ = 0;
};

}  // namespace minirtc::rtmp
