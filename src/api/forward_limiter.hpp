#pragma once
// How many reports a node forwards to other nodes (docs/cluster.md "Reports"): a forward is cheap
// for the node that takes it (a 202 and one PUBLISH) but costs every node of the cluster a
// signature check, and whoever posts reports does not need a valid session token to cause it
// (the node that forwards cannot check one it does not hold). So forwards go through two token
// buckets: one per client address (IPv4 address, IPv6 /64 prefix: the I/O layer makes the key),
// so one client cannot use the node's whole allowance, and one for the node, which bounds what
// all clients together make it publish. A report over either limit is not forwarded: the route
// answers 429 with Retry-After.
//
// A bucket holds up to `burst` tokens and gains `rate_per_s` a second; a forward takes one from
// both (none when either is empty). Memory is bounded: at most `max_clients` addresses are
// tracked. A full table first forgets the buckets that have refilled (those clients are as good
// as new), at most once a second; an address that still finds no place is limited by the node's
// bucket alone. A rate of 0 turns its bucket off.
//
// Pure: the caller passes the time (unix ms); not thread-safe.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

namespace minirtc::api {

struct ForwardLimits {
  std::uint32_t client_rate_per_s = 5;  // per client address; 0: no limit per address
  std::uint32_t client_burst = 20;
  std::uint32_t node_rate_per_s = 200;  // the whole node; 0: no limit
  std::uint32_t node_burst = 400;
  std::size_t max_clients = 10000;
};

/// Whole numbers only (thousandths of a token), so the arithmetic is exact.
class TokenBucket {
 public:
  TokenBucket(std::uint32_t rate_per_s, std::uint32_t burst, std::uint64_t now_ms)
      : rate_(rate_per_s), cap_(std::uint64_t{burst} * 1000), milli_(cap_), at_ms_(now_ms) {}
  /// Whether a token is there now (refilled up to the burst).
  bool has_token(std::uint64_t now_ms) { return refill(now_ms) >= 1000; }
  void take() { milli_ -= 1000; }
  /// How long until one token is there (0: now).
  std::uint64_t wait_ms(std::uint64_t now_ms);
  bool full(std::uint64_t now_ms) { return refill(now_ms) >= cap_; }

 private:
  std::uint64_t refill(std::uint64_t now_ms);
  std::uint64_t rate_;   // thousandths of a token per ms = tokens per second
  std::uint64_t cap_;    // burst, in thousandths
  std::uint64_t milli_;  // tokens now, in thousandths
  std::uint64_t at_ms_;
};

class ForwardLimiter {
 public:
  explicit ForwardLimiter(ForwardLimits limits = {});

  enum class Verdict : std::uint8_t { Allowed, ClientOver, NodeOver };
  struct Decision {
    Verdict verdict = Verdict::Allowed;
    std::uint64_t retry_after_ms = 0;  // when refused: until the bucket that refused has a token
  };
  /// One forward for `client` (its address key) at `now_ms`: allowed (a token taken from each
  /// bucket) or refused by the client's bucket or the node's.
  Decision admit(std::string_view client, std::uint64_t now_ms);

  std::size_t clients() const noexcept { return clients_.size(); }

 private:
  void sweep(std::uint64_t now_ms);

  ForwardLimits limits_;
  TokenBucket node_;
  std::unordered_map<std::string, TokenBucket> clients_;
  std::uint64_t last_sweep_ms_ = 0;
  bool swept_ = false;
};

}  // namespace minirtc::api
