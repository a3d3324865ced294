#pragma once
// Splits RTMP messages into chunks (RTMP 1.0 spec, section 5.3).

#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

#include "rtmp/message.hpp"

namespace minirtc::rtmp {

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
