#pragma once
// Gives memory that connections freed back to the operating system.
//
// glibc's malloc keeps freed memory in its heap: it shrinks the heap only from the top (above
// M_TRIM_THRESHOLD) and never returns free pages below a chunk still in use. After a wave of
// connections closes, their sessions, decoder buffers and queues are free but scattered between
// longer-lived allocations, so the process stayed at its peak RSS (issue 10: 1,000 hostile RTMP
// connections left 140 → 669 MB resident with 545 KB in use). malloc_trim(0) walks the free
// chunks and hands their whole pages back (madvise MADV_DONTNEED), wherever they are.
//
// Measured (docs/operations.md, "RTMP memory limits"): 1,000 held connections then closed left
// 24.3 MB resident (11 MB idle) with glibc's defaults, the same with trim and mmap thresholds of
// 128 KiB, 21.9 MB with an mmap threshold of 4 KiB (a system call per allocation on the media
// path), and 15.7 MB with this trim. What stays is pages pinned by the few allocations that
// outlive a wave (most likely Asio's per-socket reactor state, pooled for reuse): a high-water
// mark that the next wave reuses, not growth.
//
// It walks the whole heap, so it is not run on every tick: the server samples the allocator's free
// bytes (mallinfo2) and trims when they rose by kMinFreedBytes over their lowest level since the
// last trim, i.e. when that much was freed and not reused. (The free-byte count does not drop
// after a trim: returned pages stay free chunks to malloc, so the level itself cannot be the rule.)

#include <cstdint>

namespace minirtc::server {

class HeapTrimmer {
 public:
  static constexpr std::uint64_t kMinFreedBytes = 1u << 20;

  /// The rule: trim when `free_bytes` is at least kMinFreedBytes above `floor`, the lowest free
  /// byte count seen since the last trim.
  static bool should_trim(std::uint64_t free_bytes, std::uint64_t floor) noexcept {
    return free_bytes >= floor + kMinFreedBytes;
  }

  /// Samples the allocator and trims when the rule says so. Returns whether it trimmed.
  bool tick();

  std::uint64_t trims() const noexcept { return trims_; }

 private:
  std::uint64_t floor_ = 0;
  bool sampled_ = false;
  std::uint64_t trims_ = 0;
};

}  // namespace minirtc::server
