#pragma once
// The cluster's steps over a Store: the app-list check at start, the node's registry record,
// reading the live nodes, finding (or pinning) a room's node, and an owner's pin refresh with
// conflict resolution. Each step is a short chain of atomic store operations whose decisions are
// the pure rules of placement.hpp and pins.hpp; the caller supplies the time and the live-node
// snapshot, so unit tests drive it with MemoryStore and a hand-moved clock.
//
// Lifetime: the Coordinator and its Store must outlive every callback they were given (the
// server keeps both for its whole life and stops the Redis client before destroying them).

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "cluster/node_record.hpp"
#include "cluster/pins.hpp"
#include "cluster/placement.hpp"
#include "cluster/room_directory.hpp"
#include "cluster/session_record.hpp"
#include "cluster/store.hpp"

namespace minirtc::cluster {

struct Config {
  std::string node_id;
  std::string secret;                // signs records and node messages
  std::uint64_t node_ttl_ms = 5000;  // a record not refreshed for this long is a dead node
  std::uint64_t pin_ttl_ms = 10000;  // a pin not refreshed for this long frees the room
  /// A room's session records outlive their node by this much: time enough for the node's
  /// record to expire and for its clients to resume elsewhere.
  std::uint64_t session_ttl_ms = 30000;
  /// A session record signed longer ago than this is refused (a replay); the owner signs its
  /// records again well before (ClusterNode: every half of it).
  std::uint64_t max_session_record_age_ms = 2 * 3600 * 1000;
  /// How far a record's signing time may be from a reader's clock (skew, refresh interval).
  std::uint64_t max_clock_skew_ms = 30000;
  Capacity capacity;
};

/// The outcome of an owner's pin refresh: what was done, and who holds the room after it.
struct PinStatus {
  PinRefresh action = PinRefresh::Refresh;
  Pin owner;
};

class Coordinator {
 public:
  Coordinator(Store& store, Config config);

  const Config& config() const noexcept { return config_; }

  /// Compares `fingerprint` (signing.hpp app_fingerprint) with the cluster's, writing it first
  /// when the cluster has none. An error says why the node must not start.
  void check_apps(std::string fingerprint, DoneStatus done);

  /// Writes this node's record (signed, TTL node_ttl_ms) and its entry in the node index.
  void publish_record(const NodeRecord& self, std::uint64_t now_ms, DoneStatus done);
  /// Removes this node's record at once (clean stop), so nobody waits for its TTL.
  void withdraw_record(DoneStatus done);

  /// Every node with a live, well-signed record; index entries without a record are pruned. A
  /// record that does not verify or decode is skipped (reported in `rejected`).
  struct Nodes {
    std::vector<NodeRecord> live;
    std::vector<std::string> rejected;  // "node ID: reason"
  };
  void read_nodes(std::uint64_t now_ms, Done<Nodes> done);

  /// The pin of the room and its node's record: the current pin when its node is alive — among
  /// `live`, or, when `live` lacks it, with a valid record in the store (a snapshot read during a
  /// Redis restart may miss nodes that are alive: a room must not move on such a view); otherwise
  /// a new pin for the least-loaded live node (pick_room_node), written atomically (set-if-absent,
  /// or replacing exactly the dead node's pin), so two nodes racing for a new room agree on one
  /// winner.
  struct Located {
    Pin pin;
    NodeRecord owner;
  };
  void locate_room(std::string app_id, std::string room_id, std::vector<NodeRecord> live,
                   std::uint64_t now_ms, Done<Located> done);
  /// The room's pin and its node's record when that node is alive; nullopt when the room has no
  /// pin or its node is dead. Reads only (never pins): a relay asks it for a room the room
  /// directory does not list yet (cluster/origin_lookup.hpp).
  void find_room(std::string app_id, std::string room_id, std::uint64_t now_ms,
                 Done<std::optional<Located>> done);
  /// One node's record: `record` when alive (present, signed by it, fresh); neither when it
  /// expired; `refused` (why) when a record is there that does not verify. Errors: the store's.
  struct NodeRead {
    std::optional<NodeRecord> record;
    std::string refused;
  };
  void read_node(std::string node_id, std::uint64_t now_ms, Done<NodeRead> done);

  /// The owner's refresh of its pin `mine` (see pins.hpp): extends it, writes it back when Redis
  /// lost it, takes the room back from a losing claimant, or yields to a winning one.
  void refresh_pin(std::string app_id, std::string room_id, Pin mine, Done<PinStatus> done);
  /// The room ended here: its pin is deleted if it is still `mine`.
  void release_pin(std::string app_id, std::string room_id, Pin mine, DoneStatus done);

  // ---- The room directory (cluster/room_directory.hpp): the rooms each node holds.

  /// Writes this node's entries that changed (field room_field, value encode_room_entry) and
  /// deletes those of rooms gone; every write sets the hash's TTL to node_ttl_ms.
  void save_rooms(Store::Fields changed, std::vector<std::string> gone, DoneStatus done);
  /// Keeps this node's directory for another node_ttl_ms (false: it is gone, write it again).
  void keep_rooms(Done<bool> done);
  /// The rooms `node_id` holds: (appId, roomId, summary); entries that do not parse are skipped.
  struct HeldRoom {
    std::string app_id, room_id;
    room::RoomSummary summary;
  };
  void read_rooms(std::string node_id, Done<std::vector<HeldRoom>> done);

  // ---- Session records of the rooms a node holds (docs/cluster.md "Node loss").

  /// Writes `changed` (each signed by this node at `now_ms`; every write sets the room hash's TTL
  /// to session_ttl_ms) and deletes the records of the users in `gone`. One error, the first.
  void save_sessions(std::string app_id, std::string room_id, std::vector<SessionRecord> changed,
                     std::vector<std::string> gone, std::uint64_t now_ms, DoneStatus done);
  /// Keeps the room's records for another session_ttl_ms (the owner, every tick); false: they
  /// are gone (Redis restarted empty): write them again.
  void keep_sessions(std::string app_id, std::string room_id, Done<bool> done);
  /// Deletes every record of the room (it ended here).
  void drop_sessions(std::string app_id, std::string room_id, DoneStatus done);
  /// Every record of the room that verifies (cluster secret, signed by the node it names, not
  /// older than max_session_record_age_ms), decodes, and belongs to the room and field it is
  /// stored under; the others are skipped and reported in `rejected`.
  struct Sessions {
    std::vector<SessionRecord> records;
    std::vector<std::string> rejected;  // "userId: reason"
  };
  void load_sessions(std::string app_id, std::string room_id, std::uint64_t now_ms,
                     Done<Sessions> done);

 private:
  void locate_attempt(std::string app_id, std::string room_id,
                      std::shared_ptr<const std::vector<NodeRecord>> live, std::uint64_t now_ms,
                      int attempts_left, Done<Located> done);
  /// Writes `pin` over exactly `current` (compare-and-set), or if absent when there is none.
  void write_pin(const std::string& key, const std::optional<std::string>& current, const Pin& pin,
                 Done<bool> done);

  Store& store_;
  Config config_;
};

}  // namespace minirtc::cluster
