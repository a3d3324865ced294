#include "bench/chunked_decoder.hpp"

#include <algorithm>

namespace minirtc::bench {

namespace {
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

Status ChunkedDecoder::fail(std::string reason) {
  state_ = State::Failed;
  error_ = std::move(reason);
  return make_error(error_);
}

Status ChunkedDecoder::feed(std::span<const std::uint8_t> in, std::vector<std::uint8_t>& out) {
  std::size_t i = 0;
  while (i < in.size()) {
    switch (state_) {
      case State::Failed:
        return make_error(error_);
      case State::Done:
        return {};  // whatever follows the last chunk (trailers) is ignored
      case State::SizeLine: {
        const char c = static_cast<char>(in[i++]);
        if (c != '\n') {
          if (line_.size() >= kMaxSizeLine) return fail("chunk size line too long");
          line_.push_back(c);
          break;
        }
        if (!line_.empty() && line_.back() == '\r') line_.pop_back();
        std::uint64_t size = 0;
        std::size_t digits = 0;
        for (char h : line_) {
          const int v = hex_value(h);
          if (v < 0) break;  // ';' starts an extension, which we skip
          size = size * 16 + static_cast<std::uint64_t>(v);
          if (size > kMaxChunkSize) return fail("chunk too large");
          ++digits;
        }
        if (digits == 0) return fail("bad chunk size line");
        if (digits < line_.size() && line_[digits] != ';' && line_[digits] != ' ' &&
            line_[digits] != '\t')
          return fail("bad chunk size line");
        line_.clear();
        remaining_ = size;
        state_ = size == 0 ? State::Done : State::Data;
        break;
      }
      case State::Data: {
        const auto n = static_cast<std::size_t>(
            std::min<std::uint64_t>(remaining_, static_cast<std::uint64_t>(in.size() - i)));
        out.insert(out.end(), in.begin() + static_cast<std::ptrdiff_t>(i),
                   in.begin() + static_cast<std::ptrdiff_t>(i + n));
        i += n;
        remaining_ -= n;
        if (remaining_ == 0) state_ = State::DataCr;
        break;
      }
      case State::DataCr:
        if (in[i++] != '\r') return fail("missing CR after chunk data");
        state_ = State::DataLf;
        break;
      case State::DataLf:
        if (in[i++] != '\n') return fail("missing LF after chunk data");
        state_ = State::SizeLine;
        break;
    }
  }
  if (state_ == State::Failed) return make_error(error_);
  return {};
}

}  // namespace minirtc::bench
