#include "rtmp/chunk_decoder.hpp"

#include <algorithm>

namespace minirtc::rtmp {

namespace {

constexpr std::size_t kMessageHeaderSize[4] = {11, 7, 3, 0};
constexpr std::uint32_t kTimestampEscape = 0xFFFFFF;  // "look at the extended timestamp"
// A buffer the receiver leaves is kept for its chunk stream's next message up to this size.
constexpr std::size_t kReuseCapacity = 64 * 1024;

std::uint32_t be24(const std::uint8_t* p) {
  return std::uint32_t{p[0]} << 16 | std::uint32_t{p[1]} << 8 | p[2];
}
std::uint32_t be32(const std::uint8_t* p) {
  return std::uint32_t{p[0]} << 24 | be24(p + 1);
}
std::uint32_t le32(const std::uint8_t* p) {
  return std::uint32_t{p[3]} << 24 | std::uint32_t{p[2]} << 16 | std::uint32_t{p[1]} << 8 | p[0];
}

std::size_t basic_header_size(std::uint8_t first) {
  switch (first & 0x3f) {
    case 0:
      return 2;
    case 1:
      return 3;
    default:
      return 1;
  }
}

std::uint32_t basic_header_csid(const std::uint8_t* h) {
  switch (h[0] & 0x3f) {
    case 0:
      return 64 + std::uint32_t{h[1]};
    case 1:
      return 64 + std::uint32_t{h[1]} + 256 * std::uint32_t{h[2]};
    default:
      return h[0] & 0x3f;
  }
}

}  // namespace

ChunkDecoder::ChunkDecoder(ChunkLimits limits) : limits_(limits) {}

Error ChunkDecoder::fail(std::string reason) {
  failed_ = true;
  error_ = "rtmp chunk: " + std::move(reason);
  return make_error(error_);
}

Error ChunkDecoder::fail_limit(std::string reason) {
  failed_on_limit_ = true;
  return fail(std::move(reason));
}

namespace {
/// feed(data, out): each message keeps its payload, as a shared buffer.
class Collector final : public MessageReceiver {
 public:
  explicit Collector(std::vector<Message>& out) : out_(out) {}
  bool receive(CompletedMessage& m) override {
    out_.push_back(
        Message{m.csid, m.type, m.timestamp, m.stream_id, SharedBuffer(std::move(m.payload))});
    return true;
  }

 private:
  std::vector<Message>& out_;
};
}  // namespace

Status ChunkDecoder::feed(std::span<const std::uint8_t> data, std::vector<Message>& out) {
  Collector collector(out);
  return feed(data, collector);
}

Status ChunkDecoder::feed(std::span<const std::uint8_t> data, MessageReceiver& receiver) {
  if (failed_) return make_error(error_);
  bytes_received_ += data.size();
  stopped_ = false;
  return consume(data, receiver);
}

std::size_t ChunkDecoder::buffered_bytes() const noexcept {
  std::size_t n = 0;
  for (const auto& [id, state] : streams_) n += state->payload.capacity();
  return n;
}

ChunkDecoder::StreamState* ChunkDecoder::find_stream(std::uint32_t csid) noexcept {
  for (auto& [id, state] : streams_)
    if (id == csid) return state.get();
  return nullptr;
}

Status ChunkDecoder::consume(std::span<const std::uint8_t> data, MessageReceiver& receiver) {
  while (!data.empty() && !stopped_) {
    if (in_payload_) {
      if (Status st = take_payload(data, receiver); !st) return st;
      continue;
    }
    auto need = header_bytes_needed();
    while (need && *need > 0 && !data.empty()) {
      const std::size_t n = std::min(*need, data.size());
      std::copy_n(data.begin(), n, header_ + header_len_);
      header_len_ += n;
      data = data.subspan(n);
      need = header_bytes_needed();
    }
    if (!need) return Status(need.error());
    if (*need > 0) break;  // header incomplete: wait for more bytes
    // apply_header re-feeds any peeked bytes that turned out to be payload.
    if (Status st = apply_header(receiver); !st) return st;
  }
  return {};
}

Result<std::size_t> ChunkDecoder::header_bytes_needed() {
  if (header_len_ == 0) return std::size_t{1};
  const std::size_t basic = basic_header_size(header_[0]);
  if (header_len_ < basic) return basic - header_len_;
  const unsigned fmt = header_[0] >> 6;
  const std::uint32_t csid = basic_header_csid(header_);
  const StreamState* state = find_stream(csid);
  if (fmt != 0 && state == nullptr) {
    return fail("csid " + std::to_string(csid) + ": fmt" + std::to_string(fmt) +
                " header on a chunk stream that never had a fmt0 header");
  }
  const std::size_t fixed = basic + kMessageHeaderSize[fmt];
  if (header_len_ < fixed) return fixed - header_len_;
  const bool extended = fmt < 3 ? be24(header_ + basic) == kTimestampEscape : state->extended;
  const std::size_t total = fixed + (extended ? 4 : 0);
  return total - header_len_;
}

Status ChunkDecoder::apply_header(MessageReceiver& receiver) {
  const std::size_t basic = basic_header_size(header_[0]);
  const unsigned fmt = header_[0] >> 6;
  const std::uint32_t csid = basic_header_csid(header_);
  const std::uint8_t* h = header_ + basic;
  // Built only for an error message: this runs for every chunk.
  const auto where = [csid] { return "csid " + std::to_string(csid) + ": "; };

  StreamState* state = find_stream(csid);
  if (state == nullptr) {  // fmt0 (others were rejected while assembling the header)
    if (streams_.size() >= limits_.max_chunk_streams) {
      return fail_limit(where() + "too many chunk streams (limit " +
                        std::to_string(limits_.max_chunk_streams) + ")");
    }
    state = streams_.emplace_back(csid, std::make_unique<StreamState>()).second.get();
  }
  StreamState& s = *state;
  if (s.in_message && fmt != 3) {
    return fail(where() + "fmt" + std::to_string(fmt) +
                " header in the middle of a message (continuation chunks must be fmt3)");
  }

  // Bytes taken as an extended timestamp that were payload after all (see header comment).
  std::uint8_t reinject[4];
  std::size_t reinject_len = 0;

  if (fmt < 3) {
    std::uint32_t ts = be24(h);
    s.extended = ts == kTimestampEscape;
    if (s.extended) ts = be32(h + kMessageHeaderSize[fmt]);
    s.ts_field = ts;
    if (fmt == 0) {
      s.timestamp = ts;
      s.stream_id = le32(h + 7);
    } else {
      s.timestamp += ts;
    }
    if (fmt <= 1) {
      s.length = be24(h + 3);
      s.type = h[6];
    }
  } else {
    if (s.extended) {
      const std::uint32_t ext = be32(h);
      if (s.in_message && ext != s.ts_field) {
        std::copy_n(h, 4, reinject);
        reinject_len = 4;
      } else {
        s.ts_field = ext;
      }
    }
    if (!s.in_message) s.timestamp += s.ts_field;  // a new message reusing the previous delta
  }
  header_len_ = 0;

  if (!s.in_message) {
    if (s.length > limits_.max_message_size) {
      return fail_limit(where() + "message length " + std::to_string(s.length) + " exceeds limit " +
                        std::to_string(limits_.max_message_size));
    }
    s.in_message = true;
    s.payload.clear();  // nothing reserved: the buffer grows as bytes arrive (take_payload)
  }
  payload_csid_ = csid;
  chunk_remaining_ =
      std::min<std::uint32_t>(chunk_size_, s.length - static_cast<std::uint32_t>(s.payload.size()));
  in_payload_ = true;
  if (chunk_remaining_ == 0) {  // zero-length message: complete with its header
    in_payload_ = false;
    if (Status st = finish_message(csid, s, receiver); !st) return st;
  }
  if (reinject_len > 0) {
    if (Status st = consume(std::span(reinject, reinject_len), receiver); !st) return st;
  }
  return {};
}

Status ChunkDecoder::take_payload(std::span<const std::uint8_t>& data, MessageReceiver& receiver) {
  StreamState& s = *find_stream(payload_csid_);
  const std::size_t n = std::min<std::size_t>(chunk_remaining_, data.size());
  if (pending_bytes_ + n > limits_.max_pending_bytes) {
    return fail_limit("more than " + std::to_string(limits_.max_pending_bytes) +
                      " bytes buffered in incomplete messages");
  }
  if (s.payload.capacity() - s.payload.size() < n) {
    // Double, but never past the declared length: the buffer is at most twice the bytes that
    // arrived, and a message arriving in one chunk gets exactly its size.
    s.payload.reserve(
        std::min<std::size_t>(s.length, std::max(s.payload.size() + n, 2 * s.payload.capacity())));
  }
  s.payload.insert(s.payload.end(), data.begin(), data.begin() + static_cast<std::ptrdiff_t>(n));
  pending_bytes_ += n;
  chunk_remaining_ -= static_cast<std::uint32_t>(n);
  data = data.subspan(n);
  if (chunk_remaining_ > 0) return {};
  in_payload_ = false;
  if (s.payload.size() < s.length) return {};
  return finish_message(payload_csid_, s, receiver);
}

Status ChunkDecoder::finish_message(std::uint32_t csid, StreamState& s, MessageReceiver& receiver) {
  pending_bytes_ -= s.payload.size();
  s.in_message = false;

  const std::span<const std::uint8_t> p = s.payload;
  if (s.type == to_u8(MessageType::SetChunkSize)) {
    if (p.size() < 4) return fail("SetChunkSize payload shorter than 4 bytes");
    const std::uint32_t size = be32(p.data());
    if (size & 0x80000000u) return fail("SetChunkSize with the reserved top bit set");
    if (size == 0 || size > limits_.max_chunk_size) {
      std::string reason = "SetChunkSize " + std::to_string(size) + " outside 1.." +
                           std::to_string(limits_.max_chunk_size);
      return size == 0 ? fail(std::move(reason)) : fail_limit(std::move(reason));
    }
    chunk_size_ = size;
  } else if (s.type == to_u8(MessageType::Abort)) {
    if (p.size() < 4) return fail("Abort payload shorter than 4 bytes");
    StreamState* target = find_stream(be32(p.data()));
    if (target != nullptr && target != &s && target->in_message) {
      pending_bytes_ -= target->payload.size();
      std::vector<std::uint8_t>().swap(target->payload);
      target->in_message = false;
    }
  }
  CompletedMessage m{csid, s.type, s.timestamp, s.stream_id, s.payload};
  if (!receiver.receive(m)) stopped_ = true;
  // A buffer the receiver left is reused for this chunk stream's next message, unless it grew
  // past the usual size: one large message must not pin its memory for the connection's life.
  // (Not `payload = {}`: that assigns an empty list and keeps the capacity.)
  if (s.payload.capacity() > kReuseCapacity)
    std::vector<std::uint8_t>().swap(s.payload);
  else
    s.payload.clear();
  return {};
}

}  // namespace minirtc::rtmp
