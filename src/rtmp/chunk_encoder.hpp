#pragma once
// Splits RTMP messages into chunks (RTMP 1.0 spec, section 5.3).

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

#include "rtmp/message.hpp"

namespace minirtc::rtmp {

/// The RTMP length field has 24 bits; longer payloads are cut to this.
inline constexpr std::uint32_t kMaxMessageLength = 0xFFFFFF;

/// The header bytes of one message: what precedes its first chunk, and what precedes each
/// continuation chunk (a fmt3 basic header, plus the extended timestamp when there is one).
struct ChunkHeaders {
  std::array<std::uint8_t, 18> first{};  // basic (<= 3) + message (<= 11) + extended timestamp (4)
  std::uint8_t first_size = 0;
  std::array<std::uint8_t, 7> continuation{};
  std::uint8_t continuation_size = 0;

  std::span<const std::uint8_t> first_bytes() const noexcept { return {first.data(), first_size}; }
  std::span<const std::uint8_t> continuation_bytes() const noexcept {
    return {continuation.data(), continuation_size};
  }
};

/// The headers encode_message() writes for a message of `length` bytes (cut to kMaxMessageLength).
ChunkHeaders fmt0_headers(std::uint32_t csid, std::uint8_t type, std::uint32_t timestamp,
                          std::uint32_t stream_id, std::uint32_t length);

/// Number of chunks a payload of `size` bytes takes (an empty payload still takes one).
inline std::size_t chunk_count(std::size_t size, std::uint32_t chunk_size) {
  return size == 0 ? 1 : (size + chunk_size - 1) / chunk_size;
}

/// Bytes of the chunked message: headers plus payload.
inline std::size_t chunked_size(const ChunkHeaders& h, std::size_t payload_size,
                                std::uint32_t chunk_size) {
  return h.first_size + payload_size +
         (chunk_count(payload_size, chunk_size) - 1) * h.continuation_size;
}

/// Calls `piece` with each consecutive piece of the chunked message, in wire order: the first
/// header, the first chunk's payload, then a continuation header and the next payload slice, and so
/// on. The payload slices are views of `payload`: a caller can gather-write a message without
/// copying it. Empty pieces are skipped. `chunk_size` must not be 0.
template <class Piece>
void for_each_chunk_piece(const ChunkHeaders& h, std::span<const std::uint8_t> payload,
                          std::uint32_t chunk_size, Piece&& piece) {
  piece(h.first_bytes());
  for (std::size_t pos = 0; pos < payload.size(); pos += chunk_size) {
    if (pos > 0) piece(h.continuation_bytes());
    piece(payload.subspan(pos, std::min<std::size_t>(chunk_size, payload.size() - pos)));
  }
}

/// Appends `payload` as one self-contained message: a fmt0 header (absolute timestamp, so it is
/// correct whatever the receiver's state for `csid`), then fmt3 continuation chunks every
/// `chunk_size` bytes. A timestamp >= 0xFFFFFF goes in the extended timestamp field, which is
/// repeated on each continuation chunk (as Flash, ffmpeg and librtmp expect). Stateless: the
/// server encodes a media message once and sends the same bytes to every viewer.
/// `chunk_size` 0 is treated as 1; `csid` is clamped to 2..65599.
void encode_message(std::uint32_t csid, std::uint8_t type, std::uint32_t timestamp,
                    std::uint32_t stream_id, std::span<const std::uint8_t> payload,
                    std::uint32_t chunk_size, std::vector<std::uint8_t>& out);
inline void encode_message(const Message& m, std::uint32_t chunk_size,
                           std::vector<std::uint8_t>& out) {
  encode_message(m.csid, m.type, m.timestamp, m.stream_id, m.payload.span(), chunk_size, out);
}

/// Per-connection encoder that picks the most compact header (fmt0..3) by comparing each message
/// with the previous one on its csid. Only valid if every byte it produces reaches the peer in
/// order; do not mix its output on a csid with encode_message() output on that same csid unless
/// you call reset_csid() (the peer's view of the csid changes).
class ChunkEncoder {
 public:
  /// Chunk size used from the next message on. Encoding a SetChunkSize message also applies its
  /// value after that message (mirroring ChunkDecoder), so either way works.
  void set_chunk_size(std::uint32_t size) noexcept { chunk_size_ = size == 0 ? 1 : size; }
  std::uint32_t chunk_size() const noexcept { return chunk_size_; }

  void encode(const Message& m, std::vector<std::uint8_t>& out);

  /// Forget what the peer knows about `csid` (the next message on it gets fmt0).
  void reset_csid(std::uint32_t csid) { streams_.erase(csid); }

 private:
  struct StreamState {
    std::uint32_t timestamp = 0;
    std::uint32_t ts_field = 0;  // what a fmt3 header for a new message would add (last delta)
    bool delta_valid = false;    // ts_field came from a fmt1/2/3 header (a delta)
    std::uint32_t length = 0;
    std::uint8_t type = 0;
    std::uint32_t stream_id = 0;
  };

  std::uint32_t chunk_size_ = kDefaultChunkSize;
  std::unordered_map<std::uint32_t, StreamState> streams_;
};

}  // namespace minirtc::rtmp
