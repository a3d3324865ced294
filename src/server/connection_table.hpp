#pragma once
// The server's live connections, by door (server/admission.hpp): what is counted against which
// limit, the per-address counts of unauthenticated connections, eviction of the oldest stranger,
// and the set of connections closed on shutdown.
//
// A connection is admitted at accept (unauthenticated), bound to the object that owns it (the
// owner may change: an HTTP connection becomes a signalling WebSocket or an FLV viewer), marked
// authenticated once it proves itself, and released when it closes. Ids grow, so the oldest
// unauthenticated connection of a door is the first of its ordered set. An evicted connection is
// released at once (its slot is free for the newcomer) and then asked to close.

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "server/admission.hpp"
#include "server/media_access.hpp"
#include "server/metrics.hpp"

namespace minirtc::server {

class ConnectionTable {
 public:
  using Limits = std::array<DoorLimits, kDoors.size()>;

  struct Admission {
    Verdict verdict = Verdict::RefuseDoorFull;
    std::uint64_t id = 0;  // 0 when refused
    explicit operator bool() const noexcept { return id != 0; }
  };

  void set_limits(const Limits& limits) { limits_ = limits; }
  const DoorLimits& limits(Door door) const { return limits_[index(door)]; }

  /// A new connection from `address` at `door`; may evict the door's oldest stranger.
  Admission admit(Door door, std::string address, bool authenticated = false);
  /// The object to close on eviction and shutdown.
  void bind(std::uint64_t id, std::weak_ptr<Closable> owner);
  /// The connection proved itself: it leaves the strangers' count (never refused).
  void authenticate(std::uint64_t id);
  /// Moves an authenticated connection to another door (HTTP → FLV), admitted there by the rule;
  /// on refusal it stays where it was.
  Verdict move(std::uint64_t id, Door to);
  /// Forgets the connection; unknown ids (already evicted) are ignored.
  void release(std::uint64_t id);

  std::vector<std::shared_ptr<Closable>> open() const;
  std::size_t size() const noexcept { return entries_.size(); }
  struct Counts {
    std::uint32_t authenticated = 0, unauthenticated = 0;
  };
  Counts counts(Door door) const { return counts_[index(door)]; }
  bool is_authenticated(std::uint64_t id) const;

 private:
  struct Entry {
    Door door;
    bool authenticated;
    std::string address;
    std::weak_ptr<Closable> owner;
  };
  static std::size_t index(Door d) noexcept { return static_cast<std::size_t>(d); }
  DoorCounts counts_for(Door door, const std::string& address) const;
  void count(const Entry& e, int delta);
  /// Releases and closes the oldest unauthenticated connection of `door`.
  void evict_oldest(Door door);

  Limits limits_{};
  std::uint64_t next_id_ = 1;
  std::unordered_map<std::uint64_t, Entry> entries_;
  std::array<Counts, kDoors.size()> counts_{};
  std::array<std::set<std::uint64_t>, kDoors.size()> strangers_;  // unauthenticated, oldest first
  std::array<std::unordered_map<std::string, std::uint32_t>, kDoors.size()> per_address_;
};

/// Prometheus text: connections per door and state, limits, refusals per door and reason.
void append_door_metrics(std::string& out, const ConnectionTable& table, const Metrics& metrics);

}  // namespace minirtc::server
