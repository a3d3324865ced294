#pragma once
// One budget for the bytes every RTMP connection holds in incomplete messages (its chunk
// decoder's buffers), so that many connections each within their own limits cannot together take
// the machine's memory. The policy, in full:
//
// - Holders are of two kinds: publishers whose signed `publish` was accepted, and every other
//   connection ("unauthorized": before connect and a signed publish/play, and players), which
//   run under the small rtmp::kCommandLimits anyway.
// - Unauthorized connections together may hold at most a quarter of the budget, everyone together
//   the whole budget; so strangers can never take the room real publishers need.
// - After each read a connection reports what its decoder holds (update). A connection that grew
//   and leaves its kind over its share, or everyone over the budget, is to be closed (update
//   returns false; the caller closes it and calls release). What counts is the memory of the
//   buffers (rtmp::ChunkDecoder::buffered_bytes), not only the bytes in them. A connection that did
//   not grow is never closed: the one whose growth passes the budget pays, not whoever happens to
//   hold most. The budget is thus passed by at most one read's growth: the read (64 KiB), or for an
//   authorized publisher the doubling of one message buffer (rtmp::ChunkDecoder, at most 8 MiB).
// - A new connection is admitted only while the unauthorized share has room for one more
//   connection's whole allowance (admits), so while strangers fill it new handshakes are refused
//   at once instead of being accepted and closed as they grow.
//
// Pure bookkeeping: no sockets or clocks; one per event loop (not thread-safe).

#include <cstddef>
#include <cstdint>

namespace minirtc::server {

class IngestBudget {
 public:
  enum class Holder : std::uint8_t { Unauthorized, Publisher };
  /// What one connection has reported; it starts empty and unauthorized.
  struct Account {
    Holder holder = Holder::Unauthorized;
    std::uint64_t bytes = 0;
  };

  explicit IngestBudget(std::uint64_t limit) noexcept : limit_(limit) {}

  /// Records that `account` now holds `bytes` as `holder`. Returns false when the connection must
  /// be closed: it grew and its kind is over its share, or everyone is over the budget. Its bytes
  /// stay counted until release().
  bool update(Account& account, Holder holder, std::uint64_t bytes) noexcept;
  /// The connection is gone (or no longer holds anything): forgets its bytes. Idempotent.
  void release(Account& account) noexcept;
  /// Whether a new connection that may come to hold `allowance` bytes unauthorized is admitted.
  bool admits(std::uint64_t allowance) const noexcept;

  std::uint64_t limit() const noexcept { return limit_; }
  std::uint64_t unauthorized_limit() const noexcept { return limit_ / 4; }
  std::uint64_t used() const noexcept { return used_[0] + used_[1]; }
  std::uint64_t used_by(Holder h) const noexcept { return used_[index(h)]; }

 private:
  static constexpr std::size_t index(Holder h) noexcept { return static_cast<std::size_t>(h); }
  std::uint64_t share(Holder h) const noexcept {
    return h == Holder::Publisher ? limit_ : unauthorized_limit();
  }

  std::uint64_t limit_;
  std::uint64_t used_[2] = {0, 0};
};

}  // namespace minirtc::server
