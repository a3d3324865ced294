#pragma once
// Decodes an HTTP/1.1 chunked body (RFC 9112 §7.1) incrementally: the HTTP-FLV viewers of the
// load generator receive the stream this way. Bytes may arrive split anywhere. Chunk extensions
// are skipped; trailers are not expected (the stream never ends cleanly) and end decoding.
// Limits: a size line (with extensions) of at most 256 bytes and a chunk of at most 64 MiB.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "util/result.hpp"

namespace minirtc::bench {

class ChunkedDecoder {
 public:
  static constexpr std::size_t kMaxSizeLine = 256;
  static constexpr std::uint64_t kMaxChunkSize = 64u << 20;

  /// Appends the body bytes found in `in` to `out`. After an error every call fails.
  Status feed(std::span<const std::uint8_t> in, std::vector<std::uint8_t>& out);
  /// The terminating zero-size chunk was seen.
  bool finished() const noexcept { return state_ == State::Done; }

 private:
  enum class State { SizeLine, Data, DataCr, DataLf, Done, Failed };
  Status fail(std::string reason);

  State state_ = State::SizeLine;
  std::string line_;
  std::uint64_t remaining_ = 0;
  std::string error_;
};

}  // namespace minirtc::bench
