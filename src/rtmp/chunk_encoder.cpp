#include "rtmp/chunk_encoder.hpp"

#include <algorithm>

#include "util/byte_writer.hpp"

namespace minirtc::rtmp {

namespace {

constexpr std::uint32_t kTimestampEscape = 0xFFFFFF;
constexpr std::uint32_t kMaxLength = 0xFFFFFF;  // the length field has 24 bits

void write_basic_header(ByteWriter& w, unsigned fmt, std::uint32_t csid) {
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

/// Writes the message header `h`, then the payload cut into chunks of `chunk_size` bytes with a
/// fmt3 header (and the repeated extended timestamp) before each continuation chunk.
void write_chunks(const Header& h, std::span<const std::uint8_t> payload, std::uint32_t chunk_size,
                  std::vector<std::uint8_t>& out) {
  const bool extended = h.ts_field >= kTimestampEscape;
  const std::uint32_t ts3 = extended ? kTimestampEscape : h.ts_field;
  const std::size_t chunks = payload.empty() ? 1 : (payload.size() + chunk_size - 1) / chunk_size;
  out.reserve(out.size() + payload.size() + 18 + (chunks - 1) * (3 + (extended ? 4 : 0)));

  ByteWriter w(out);
  write_basic_header(w, h.fmt, h.csid);
  if (h.fmt <= 2) w.u24be(ts3);
  if (h.fmt <= 1) {
    w.u24be(h.length);
    w.u8(h.type);
  }
  if (h.fmt == 0) w.u32le(h.stream_id);
  if (extended) w.u32be(h.ts_field);

  std::size_t pos = 0;
  while (pos < payload.size()) {
    if (pos > 0) {
      write_basic_header(w, 3, h.csid);
      if (extended) w.u32be(h.ts_field);
    }
    const std::size_t n = std::min<std::size_t>(chunk_size, payload.size() - pos);
    w.bytes(payload.subspan(pos, n));
    pos += n;
  }
}

std::uint32_t clamp_csid(std::uint32_t csid) {
  return std::clamp(csid, kMinCsid, kMaxCsid);
}

}  // namespace

void encode_message(std::uint32_t csid, std::uint8_t type, std::uint32_t timestamp,
                    std::uint32_t stream_id, std::span<const std::uint8_t> payload,
                    std::uint32_t chunk_size, std::vector<std::uint8_t>& out) {
  if (payload.size() > kMaxLength) payload = payload.first(kMaxLength);
  Header h;
  h.fmt = 0;
  h.csid = clamp_csid(csid);
  h.ts_field = timestamp;
  h.length = static_cast<std::uint32_t>(payload.size());
  h.type = type;
  h.stream_id = stream_id;
  write_chunks(h, payload, chunk_size == 0 ? 1 : chunk_size, out);
}

void ChunkEncoder::encode(const Message& m, std::vector<std::uint8_t>& out) {
  auto payload = m.payload.span();
  if (payload.size() > kMaxLength) payload = payload.first(kMaxLength);
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
  write_chunks(h, payload, chunk_size_, out);

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
