#include "flv/demuxer.hpp"

#include <algorithm>
#include <string>

namespace minirtc::flv {
namespace {

std::uint32_t u24(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 16) | (std::uint32_t{p[1]} << 8) | p[2];
}
std::uint32_t u32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | u24(p + 1);
}

/// feed(bytes, out): each tag keeps its body, as a shared buffer.
class Collector final : public TagReceiver {
 public:
  explicit Collector(std::vector<Tag>& out) : out_(out) {}
  bool receive(CompletedTag& t) override {
    out_.push_back(Tag{t.type, t.timestamp, SharedBuffer(std::move(t.body))});
    return true;
  }

 private:
  std::vector<Tag>& out_;
};

}  // namespace

Demuxer::Demuxer(DemuxLimits limits) : limits_(limits) {}

bool Demuxer::at_tag_boundary() const noexcept {
  return state_ == State::TagHeader && have_ == 0;
}

Status Demuxer::fail(std::string reason) {
  error_ = make_error("flv: " + reason + " at byte " + std::to_string(field_start_));
  return *error_;
}

Status Demuxer::feed(std::span<const std::uint8_t> bytes, std::vector<Tag>& out) {
  Collector collector(out);
  return feed(bytes, collector);
}

Status Demuxer::feed(std::span<const std::uint8_t> bytes, TagReceiver& receiver) {
  if (error_) return *error_;
  stopped_ = false;
  std::size_t i = 0;
  while (i < bytes.size() && !stopped_) {
    const auto rest = bytes.subspan(i);
    if (state_ == State::HeaderPadding) {
      const auto n = std::min<std::size_t>(padding_left_, rest.size());
      padding_left_ -= static_cast<std::uint32_t>(n);
      i += n;
      position_ += n;
      if (padding_left_ == 0) {
        state_ = State::PreviousTagSize;
        need_ = kPreviousTagSizeSize;
      }
      continue;
    }
    if (state_ == State::TagBody) {
      const auto n = std::min<std::size_t>(tag_size_ - body_.size(), rest.size());
      body_.insert(body_.end(), rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(n));
      i += n;
      position_ += n;
      if (body_.size() == tag_size_) finish_tag(receiver);
      continue;
    }
    // A fixed-size field: collect it, then act on it.
    if (have_ == 0) field_start_ = position_;
    const auto n = std::min(need_ - have_, rest.size());
    std::copy_n(rest.begin(), n, field_.begin() + static_cast<std::ptrdiff_t>(have_));
    have_ += n;
    i += n;
    position_ += n;
    if (have_ < need_) break;
    have_ = 0;
    Status st;
    switch (state_) {
      case State::FileHeader:
        st = on_file_header();
        break;
      case State::PreviousTagSize:
        st = on_previous_tag_size();
        break;
      case State::TagHeader:
        st = on_tag_header(receiver);
        break;
      default:
        break;
    }
    if (!st) return st;
  }
  return {};
}

Status Demuxer::on_file_header() {
  if (field_[0] != 'F' || field_[1] != 'L' || field_[2] != 'V') return fail("not an FLV stream");
  if (field_[3] != 1) return fail("unsupported FLV version " + std::to_string(field_[3]));
  has_audio_ = (field_[4] & 0x04) != 0;
  has_video_ = (field_[4] & 0x01) != 0;
  const std::uint32_t offset = u32(&field_[5]);
  if (offset < kFileHeaderSize || offset > kMaxHeaderSize) {
    return fail("bad FLV header data offset " + std::to_string(offset));
  }
  header_seen_ = true;
  padding_left_ = offset - static_cast<std::uint32_t>(kFileHeaderSize);
  if (padding_left_ > 0) {
    state_ = State::HeaderPadding;
  } else {
    state_ = State::PreviousTagSize;
    need_ = kPreviousTagSizeSize;
  }
  return {};
}

Status Demuxer::on_previous_tag_size() {
  const std::uint32_t value = u32(field_.data());
  if (!first_previous_ && limits_.check_previous_tag_size && value != expected_previous_) {
    return fail("PreviousTagSize " + std::to_string(value) + " does not match the tag (" +
                std::to_string(expected_previous_) + ")");
  }
  first_previous_ = false;
  state_ = State::TagHeader;
  need_ = kTagHeaderSize;
  return {};
}

void Demuxer::finish_tag(TagReceiver& receiver) {
  CompletedTag tag{tag_type_, tag_timestamp_, body_};
  if (!receiver.receive(tag)) stopped_ = true;
  // A body the receiver left is reused, unless it grew past the usual size (one large tag must
  // not pin its memory). Not `body_ = {}`: that keeps the capacity.
  if (body_.capacity() > kInitialBodyReserve)
    std::vector<std::uint8_t>().swap(body_);
  else
    body_.clear();
  expected_previous_ = tag_size_ + static_cast<std::uint32_t>(kTagHeaderSize);
  state_ = State::PreviousTagSize;
  need_ = kPreviousTagSizeSize;
}

Status Demuxer::on_tag_header(TagReceiver& receiver) {
  const std::uint8_t first = field_[0];
  if (first & 0x20) return fail("encrypted FLV tag (filter bit set) is not supported");
  const std::uint8_t type = first & 0x1F;
  if (type != 8 && type != 9 && type != 18) {
    return fail("unknown FLV tag type " + std::to_string(type));
  }
  tag_type_ = static_cast<TagType>(type);
  tag_size_ = u24(&field_[1]);
  tag_timestamp_ = u24(&field_[4]) | (std::uint32_t{field_[7]} << 24);
  if (tag_size_ > limits_.max_tag_size) {
    return fail("FLV tag of " + std::to_string(tag_size_) + " bytes exceeds the limit of " +
                std::to_string(limits_.max_tag_size));
  }
  // Grow with the bytes that actually arrive rather than trusting the declared size up front: a
  // header alone must not make us hold max_tag_size bytes.
  body_.clear();
  body_.reserve(std::min<std::uint32_t>(tag_size_, kInitialBodyReserve));
  state_ = State::TagBody;
  if (tag_size_ == 0) finish_tag(receiver);
  return {};
}

}  // namespace minirtc::flv
