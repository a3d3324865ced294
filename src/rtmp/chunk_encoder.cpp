#include "rtmp/chunk_encoder.hpp"

#include <algorithm>

namespace minirtc::rtmp {

namespace {

constexpr std::uint32_t kTimestampEscape = 0xFFFFFF;

/// Writes header bytes into a ChunkHeaders array (at most 18 bytes, so no bounds to check).
class HeaderWriter {
 public:
  explicit HeaderWriter(std::uint8_t* out) : out_(out) {}
  void u8(std::uint8_t v) { out_[size_++] = v; }
  void u24be(std::uint32_t v) {
    for (int i = 2; i >= 0; --i) u8(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  void u32be(std::uint32_t v) {
    for (int i = 3; i >= 0; --i) u8(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  void u32le(std::uint32_t v) {
    for (int i = 0; i < 4; ++i) u8(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  std::uint8_t size() const noexcept { return size_; }

 private:
  std::uint8_t* out_;
  std::uint8_t size_ = 0;
};

void write_basic_header(HeaderWriter& w, unsigned fmt, std::uint32_t csid) {
  const auto f = static_cast<std::uint8_t>(fmt << 6);
  if (csid < 64) {
    w.u8(static_cast<std::uint8_t>(f | csid));
  } else if (csid < 64 + 256) {
    w.u8(f);
    w.u8(static_cast<std::uint8_t>(csid - 64));
  } else {
    w.u8(static_cast<std::uint8_t>(f | 1));
    w.u8(static_cast<std::uint8_t>((csid - 64) & 0xff));
    w.u8(static_cast<std::uint8_t>((csid - 64) >> 8));
  }
}

struct Header {
  unsigned fmt = 0;
  std::uint32_t csid = 0;
  std::uint32_t ts_field = 0;  // fmt0: absolute timestamp; fmt1/2/3: delta
  std::uint32_t length = 0;
  std::uint8_t type = 0;
  std::uint32_t stream_id = 0;
};

/// The message header `h` before the first chunk, and the fmt3 header (with the repeated extended
/// timestamp) before each continuation chunk.
ChunkHeaders headers_of(const Header& h) {
  const bool extended = h.ts_field >= kTimestampEscape;
  ChunkHeaders out;
  HeaderWriter w(out.first.data());
  write_basic_header(w, h.fmt, h.csid);
  if (h.fmt <= 2) w.u24be(extended ? kTimestampEscape : h.ts_field);
  if (h.fmt <= 1) {
    w.u24be(h.length);
    w.u8(h.type);
  }
  if (h.fmt == 0) w.u32le(h.stream_id);
  if (extended) w.u32be(h.ts_field);
  out.first_size = w.size();

  HeaderWriter c(out.continuation.data());
  write_basic_header(c, 3, h.csid);
  if (extended) c.u32be(h.ts_field);
  out.continuation_size = c.size();
  return out;
}

/// Appends the message: its headers and the payload cut into chunks of `chunk_size` bytes.
void write_chunks(const ChunkHeaders& headers, std::span<const std::uint8_t> payload,
                  std::uint32_t chunk_size, std::vector<std::uint8_t>& out) {
  out.reserve(out.size() + chunked_size(headers, payload.size(), chunk_size));
  for_each_chunk_piece(headers, payload, chunk_size, [&](std::span<const std::uint8_t> piece) {
    out.insert(out.end(), piece.begin(), piece.end());
  });
}

std::uint32_t clamp_csid(std::uint32_t csid) {
  return std::clamp(csid, kMinCsid, kMaxCsid);
}

}  // namespace

ChunkHeaders fmt0_headers(std::uint32_t csid, std::uint8_t type, std::uint32_t timestamp,
                          std::uint32_t stream_id, std::uint32_t length) {
  Header h;
  h.fmt = 0;
  h.csid = clamp_csid(csid);
  h.ts_field = timestamp;
  h.length = std::min(length, kMaxMessageLength);
  h.type = type;
  h.stream_id = stream_id;
  return headers_of(h);
}

void encode_message(std::uint32_t csid, std::uint8_t type, std::uint32_t timestamp,
                    std::uint32_t stream_id, std::span<const std::uint8_t> payload,
                    std::uint32_t chunk_size, std::vector<std::uint8_t>& out) {
  if (payload.size() > kMaxMessageLength) payload = payload.first(kMaxMessageLength);
  const auto headers =
      fmt0_headers(csid, type, timestamp, stream_id, static_cast<std::uint32_t>(payload.size()));
  write_chunks(headers, payload, chunk_size == 0 ? 1 : chunk_size, out);
}

void ChunkEncoder::encode(const Message& m, std::vector<std::uint8_t>& out) {
  auto payload = m.payload.span();
  if (payload.size() > kMaxMessageLength) payload = payload.first(kMaxMessageLength);
  Header h;
  h.csid = clamp_csid(m.csid);
  h.length = static_cast<std::uint32_t>(payload.size());
  h.type = m.type;
  h.stream_id = m.stream_id;

  auto it = streams_.find(h.csid);
  // Deltas need the same message stream and a timestamp that did not go backwards.
  if (it == streams_.end() || m.stream_id != it->second.stream_id ||
      m.timestamp < it->second.timestamp) {
    h.fmt = 0;
    h.ts_field = m.timestamp;
  } else {
    const StreamState& s = it->second;
    const std::uint32_t delta = m.timestamp - s.timestamp;
    h.ts_field = delta;
    if (h.length != s.length || h.type != s.type) {
      h.fmt = 1;
    } else if (s.delta_valid && delta == s.ts_field) {
      h.fmt = 3;
    } else {
      h.fmt = 2;
    }
  }
  write_chunks(headers_of(h), payload, chunk_size_, out);

  StreamState& s = streams_[h.csid];
  s.timestamp = m.timestamp;
  s.ts_field = h.ts_field;
  s.delta_valid = h.fmt != 0;
  s.length = h.length;
  s.type = h.type;
  s.stream_id = h.stream_id;

  if (m.type == to_u8(MessageType::SetChunkSize) && payload.size() >= 4) {
    const std::uint32_t size = (std::uint32_t{payload[0]} << 24 | std::uint32_t{payload[1]} << 16 |
                                std::uint32_t{payload[2]} << 8 | payload[3]) &
                               0x7fffffffu;
    set_chunk_size(size);
  }
}

}  // namespace minirtc::rtmp
