#pragma once
// Replay protection for the broadcast channel (broadcast.hpp, docs/cluster.md "Broadcasts"): the
// ids of the messages a node accepted, each kept until the message's signed time can no longer be
// accepted (sent_ms + max_skew_ms: verify_node_message refuses it after that), so a message
// captured off the channel and published again is dropped for as long as it would still verify,
// and forgotten after (nothing is kept that the signature check does not need).
//
// Memory is bounded: at most `max_ids` ids (an id costs ~120 bytes with its two index entries).
// A new id when the table is full makes it forget the id that would have expired first (counted
// in evicted()), so a replay of that one message becomes possible, rather than refusing new
// messages: a revocation must not be lost because the table is full. Every id lives at most
// 2 × max_skew_ms (a message signed max_skew_ms in the future), so the table holds every id
// while messages arrive at under max_ids / (2 × max_skew_ms): 65,536 over 60 s ≈ 1,000 a second,
// far above a cluster's revocations, viewer mutes and (rate-limited) forwarded reports.
//
// Pure: the caller passes the time (unix ms) with each call; not thread-safe.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <set>
#include <string_view>
#include <unordered_set>
#include <utility>

namespace minirtc::cluster {

class ReplayGuard {
 public:
  static constexpr std::size_t kDefaultMaxIds = 65536;

  explicit ReplayGuard(std::uint64_t max_skew_ms, std::size_t max_ids = kDefaultMaxIds);

  enum class Verdict : std::uint8_t {
    Fresh,   // first time seen: remembered, apply it
    Replay,  // seen within its window: drop it
    BadId,   // not an id (broadcast.hpp's is_broadcast_id): drop it
  };
  /// A verified message's id and signed time. A message already past its window (it would not
  /// have verified) is Fresh and not remembered.
  Verdict admit(std::string_view id, std::uint64_t sent_ms, std::uint64_t now_ms);

  std::size_t size() const noexcept { return ids_.size(); }
  /// Ids forgotten before their time because the table was full.
  std::uint64_t evicted() const noexcept { return evicted_; }

 private:
  using Id = std::pair<std::uint64_t, std::uint64_t>;  // the 128 bits of the 32 hex characters
  struct IdHash {
    std::size_t operator()(const Id& id) const noexcept {
      return std::hash<std::uint64_t>{}(id.first ^ (id.second * 0x9e3779b97f4a7c15ULL));
    }
  };
  void prune(std::uint64_t now_ms);

  std::uint64_t max_skew_ms_;
  std::size_t max_ids_;
  std::unordered_set<Id, IdHash> ids_;
  std::set<std::pair<std::uint64_t, Id>> by_expiry_;  // (forget after, id)
  std::uint64_t evicted_ = 0;
};

}  // namespace minirtc::cluster
