#pragma once
// Where a relay finds a room's node when the room directory does not list it yet. A room reaches
// another node's directory only at its owner's next directory write and that node's next read
// (each once a second: up to ~2 s for a just-created room), so an edge whose first viewer comes
// in that time asks the store for the room's pin instead (Coordinator::find_room). This is the
// bookkeeping of those lookups, per room: at most one under way (one unanswered for
// `found_ttl_ms` counts as lost: asked again); an answer that names a node is
// used for `found_ttl_ms` (the directory lists the room well before it runs out); one that found
// no live owner is asked again only after `miss_retry_ms`, so a dead or unknown origin costs one
// read a second, not one per relay tick. Pure: the caller gives the time and does the reads.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "cluster/node_record.hpp"

namespace minirtc::cluster {

struct OriginLookupTiming {
  std::uint64_t found_ttl_ms = 5000;   // an owner found is used this long
  std::uint64_t miss_retry_ms = 1000;  // no owner found: asked again after this
};

class OriginLookups {
 public:
  using RoomKey = std::pair<std::string, std::string>;  // appId, roomId

  explicit OriginLookups(OriginLookupTiming timing = {}) : timing_(timing) {}

  struct Step {
    std::optional<NodeRecord> owner;  // a recent answer that named the room's node
    bool ask = false;                 // start a lookup now; report it with answered()
  };
  /// The room is not in the directory: a recent owner, or whether to ask the store now.
  Step consult(const RoomKey& room, std::uint64_t now_ms);
  /// A lookup's answer: the room's live node (not this one), or nullopt.
  void answered(const RoomKey& room, std::optional<NodeRecord> owner, std::uint64_t now_ms);
  /// Forgets answers too old to be used or to hold back a new lookup, and lost lookups.
  void prune(std::uint64_t now_ms);

  std::size_t size() const noexcept { return rooms_.size(); }
  bool contains(const RoomKey& room) const { return rooms_.contains(room); }

 private:
  struct Entry {
    bool asking = false;
    std::uint64_t asked_ms = 0;
    std::uint64_t answered_ms = 0;
    std::optional<NodeRecord> owner;
  };
  OriginLookupTiming timing_;
  std::map<RoomKey, Entry> rooms_;
};

}  // namespace minirtc::cluster
