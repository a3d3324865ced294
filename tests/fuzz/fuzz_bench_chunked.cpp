// Fuzzes the load generator's HTTP chunked-body decoder (it reads the server's HTTP-FLV bytes).
// The input is fed twice: whole, and split at a point taken from its first byte; both ways must
// agree, since bytes may arrive split anywhere.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "bench/chunked_decoder.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> in(data, size);
  minirtc::bench::ChunkedDecoder whole, split;
  std::vector<std::uint8_t> out_whole, out_split;
  const bool ok_whole = static_cast<bool>(whole.feed(in, out_whole));
  const std::size_t cut = size ? data[0] % (size + 1) : 0;
  bool ok_split = static_cast<bool>(split.feed(in.first(cut), out_split));
  if (ok_split) ok_split = static_cast<bool>(split.feed(in.subspan(cut), out_split));
  if (ok_whole != ok_split) __builtin_trap();
  if (ok_whole && (out_whole != out_split || whole.finished() != split.finished()))
    __builtin_trap();
  if (out_whole.size() > size) __builtin_trap();  // a body is never longer than its encoding
  return 0;
}
