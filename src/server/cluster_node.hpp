#pragma once
// This node's part in a cluster (docs/cluster.md), on the server's event loop: the Redis
// client, the store and the cluster's rules (cluster/coordinator.hpp) put to work.
//
// - start(): at start, before the listeners' "listening" line: Redis reachable (a clear error
//   otherwise: the node does not start), the app-list fingerprint the cluster's, the first record
//   written.
// - tick(): every second: this node's record (with its load) written with its TTL, the live nodes
//   read (the snapshot /v1/config, /v1/admin/nodes and placement use), and the pin of every room
//   held here refreshed (written back after a Redis restart; a conflict resolved by pins.hpp's
//   rule); pins of rooms that ended here are deleted.
// - Pin conflicts (docs/cluster.md "Pin conflicts"): a room whose refresh says Yield is handed
//   over: the handler (Server::hand_over) forgets the room and gives its members back, they are
//   written as this node's session records (write_handed_over), and only then are the room's
//   sessions closed with 1001, so the records are there when the clients resume on the
//   winner. Meanwhile the room is neither refreshed nor synchronised (its hash is not deleted
//   as a room that ended here).
// - route_join(): where a join for a room goes: here (pinned here, or newly pinned here by load),
//   or the signalling URL of the node that holds it.
// - Session records (docs/cluster.md "Node loss"): every tick, the members of every room held
//   here are compared with what was last written; records that changed are written (signed),
//   records of members gone deleted, and the room's hash kept alive. A record is signed again
//   before it is half as old as a reader accepts. A room that ended here has its hash deleted.
// - route_resume(): a `resume` whose session this node does not know: the room's records are
//   read; when the user's record with that session token is there, the room is located (its
//   node is gone: it is pinned again by load) and the resume goes where the room now lives: here
//   with the records to restore, or a redirect.
// - Redis down: ticks fail and are logged (rate-limited); rooms held here go on from memory;
//   joins for rooms not held here fail with a clear error until Redis answers again, when the
//   next tick re-registers and re-writes the pins by itself.
// - Room directory: the rooms held here with their counts, written when they change; the other
//   live nodes' read every tick (remote_rooms, room_owner: the admin API and the relay's origin).
// - Edges: origin_of() answers the relay from the room directory; a room not in it yet (just
//   created: it reaches the directory within ~2 s) is looked up by its pin in Redis
//   (cluster/origin_lookup.hpp: one lookup per room at a time, a miss asked again after a
//   second), and on_origin_found() tells the relay as soon as the answer names the origin.
// - Edges: play_node() places a viewer by load (the room's node while it has capacity);
//   broadcast() sends revocations and viewer mutes to every node, on_broadcast() applies theirs
//   once each: a message whose id was seen within its signature's window is a replay, dropped
//   (cluster/replay_guard.hpp; counted, logged rate-limited).
// - Reports: a report for a session held elsewhere is broadcast addressed to the room's node
//   (docs/cluster.md "Reports"); only that node's on_broadcast() gets it.
// - Pushes: route_push() tells an RTMP publish for a room not held here where it goes (taken
//   here, forwarded to the room's node, refused) from the room's pin; a room no live node holds
//   is pinned here.
// - drain(): SIGTERM in cluster mode (Server::drain).
// Not thread-safe: the server's loop only.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "cluster/broadcast.hpp"
#include "cluster/coordinator.hpp"
#include "cluster/node_record.hpp"
#include "cluster/origin_lookup.hpp"
#include "cluster/replay_guard.hpp"
#include "cluster/push_route.hpp"
#include "core/ids.hpp"
#include "room/resumable.hpp"
#include "room/views.hpp"
#include "server/config.hpp"
#include "util/result.hpp"

namespace minirtc::redis {
class Client;
}

namespace minirtc::server {

class RedisStore;

class ClusterNode {
 public:
  /// Rooms this node holds now: (appId, roomId).
  using RoomList = std::vector<std::pair<std::string, std::string>>;

  /// `resume_window_ms`: how long a client may take to resume; session records outlive their
  /// node by at least that plus the node TTL.
  ClusterNode(boost::asio::io_context& io, const ClusterConfig& config,
              std::uint64_t resume_window_ms);
  ~ClusterNode();

  const std::string& node_id() const noexcept { return self_.id; }
  const cluster::NodeRecord& self() const noexcept { return self_; }

  /// Blocking, at start only (runs the loop until done or `timeout`): Redis reachable, apps
  /// agree with the cluster's (`apps`: id, key), the first record written. `self` holds the
  /// node's URLs; its id is set here.
  Status start(cluster::NodeRecord self, std::vector<std::pair<std::string, std::string>> apps,
               std::chrono::milliseconds timeout);

  /// The members of a room held here that can resume elsewhere (RoomService::resumable_members).
  using MembersOf =
      std::function<std::vector<room::ResumableMember>(const std::string&, const std::string&)>;

  /// Once a second. `load` carries the load fields of the record; `rooms` the rooms held here
  /// with their counts (for the room directory).
  void tick(const cluster::NodeRecord& load, const std::vector<room::RoomSummary>& rooms,
            const MembersOf& members_of, std::uint64_t now_ms);

  /// The room directory as last read (every tick): rooms other live nodes hold.
  struct RemoteRoom {
    cluster::NodeRecord node;
    room::RoomSummary summary;
  };
  std::vector<RemoteRoom> remote_rooms(std::string_view app_id) const;
  /// The live node (not this one) that holds the room, if the directory says so.
  std::optional<cluster::NodeRecord> room_owner(std::string_view app_id,
                                                std::string_view room_id) const;

  /// The live nodes, least loaded first (this node included, even before its first read).
  std::vector<cluster::NodeRecord> nodes_by_load() const;

  struct Route {
    bool here = false;
    cluster::NodeRecord owner;  // when not here
  };
  /// Where a join for the room goes; an error when Redis cannot be asked.
  void route_join(const std::string& app_id, const std::string& room_id, std::uint64_t now_ms,
                  std::function<void(Result<Route>)> done);

  /// Where a resume of a session this node does not know goes. `here`: the room is (now) pinned
  /// here and `members` are its records, to restore before the resume; otherwise `owner` holds
  /// it. An error (a reason for the client) when no record of the room has this user with this
  /// token, or Redis cannot be asked.
  struct ResumeRoute {
    bool here = false;
    cluster::NodeRecord owner;                   // when not here
    std::vector<room::ResumableMember> members;  // when here
  };
  void route_resume(const std::string& app_id, const std::string& room_id,
                    const std::string& user_id, const std::string& session_token,
                    std::uint64_t now_ms, std::function<void(Result<ResumeRoute>)> done);

  /// Graceful drain (docs/cluster.md "Drain"): the record is deleted (no node sends clients or
  /// rooms here any more), every member of `rooms` is written to its room's records as it is
  /// now, and this node's pins are deleted, so the first client to resume elsewhere moves its
  /// room there. `done` runs once all of that is acknowledged by Redis, or after `timeout`
  /// (Redis away: the clients then wait for the pins to expire). Ticks must stop before.
  void drain(const RoomList& rooms, const MembersOf& members_of, std::uint64_t now_ms,
             std::chrono::milliseconds timeout, std::function<void()> done);

  // ---- Edges (docs/cluster.md "Edges").

  /// Where a viewer of `stream` (held here) plays: another node when this one is at capacity and
  /// that one is not (pick_play_node over the live records, plus the viewers placed since they
  /// were read); nullopt: here.
  std::optional<cluster::NodeRecord> play_node(const StreamId& stream);
  /// The origin of a stream held by another live node, "rtmp://RELAY_ADDRESS" (the relay's
  /// find_origin); nullopt: held here, or unknown for now. A room the directory does not list is
  /// looked up by its pin (asynchronously): when that finds the origin, on_origin_found runs
  /// for every stream asked about meanwhile, and origin_of answers with it.
  std::optional<std::string> origin_of(const StreamId& stream);
  void on_origin_found(std::function<void(const StreamId&)> handler) {
    on_origin_found_ = std::move(handler);
  }
  // ---- Pushes to another node (docs/cluster.md "Pushes to another node").

  /// Where a push for a room this node does not hold goes (cluster/push_route.hpp): the room is
  /// located with this node as the only candidate (its live node's pin stands; a room no live
  /// node holds is pinned here, as a join here would pin it), then route_push decides.
  /// `forwarded`: the push is another node's forward.
  void route_push(const std::string& app_id, const std::string& room_id, bool forwarded,
                  std::function<void(cluster::PushRoute)> done);
  /// A live node's record as last read (nullopt: not among them).
  std::optional<cluster::NodeRecord> live_node(std::string_view id) const;

  /// Tells every other node (signed, over pub/sub); their handler applies it.
  void broadcast(const cluster::Broadcast& message);
  /// What other nodes broadcast, verified (the sender's id with it); a forwarded report only
  /// when it is addressed to this node. Set before start().
  using BroadcastHandler = std::function<void(const cluster::Broadcast&, const std::string& from)>;
  void on_broadcast(BroadcastHandler handler) { on_broadcast_ = std::move(handler); }
  /// Broadcasts dropped as replays (an id seen within its window), and ids the replay guard
  /// forgot early because it was full (cluster/replay_guard.hpp): /metrics.
  std::uint64_t broadcast_replays_dropped() const noexcept { return replays_dropped_; }
  std::uint64_t broadcast_replay_ids_evicted() const noexcept {
    return replays_ ? replays_->evicted() : 0;
  }

  /// Clean stop: the record is deleted, so other nodes stop sending clients here at once.
  void withdraw();

  // ---- Pin conflicts (docs/cluster.md "Pin conflicts").

  /// A room held here lost a pin conflict to `winner`: the handler hands it over (forgets it and
  /// calls write_handed_over). Set before start().
  using YieldHandler = std::function<void(const std::string& app_id, const std::string& room_id,
                                          const std::string& winner)>;
  void on_yield(YieldHandler handler) { on_yield_ = std::move(handler); }
  /// Writes `members` of a room handed over as this node's session records; `done` once Redis
  /// acknowledged them, or after `timeout` (Redis away: the clients' resumes are then refused).
  void write_handed_over(const std::string& app_id, const std::string& room_id,
                         std::vector<room::ResumableMember> members, std::uint64_t now_ms,
                         std::chrono::milliseconds timeout, std::function<void(bool)> done);

 private:
  std::vector<cluster::NodeRecord> live_with_self() const;

  boost::asio::io_context& io_;
  ClusterConfig config_;
  std::uint64_t resume_window_ms_;
  std::unique_ptr<redis::Client> client_;
  std::unique_ptr<RedisStore> store_;
  std::unique_ptr<cluster::Coordinator> coordinator_;
  cluster::NodeRecord self_;
  std::vector<cluster::NodeRecord> live_;                             // last read, sorted by id
  std::map<std::pair<std::string, std::string>, cluster::Pin> pins_;  // rooms held here
  bool reading_ = false;  // a read of the nodes is under way (ticks do not pile up)
  /// Session records as last written, per room held here: the record (with updatedAt 0, to
  /// compare) and when it was signed.
  struct Written {
    std::string body;
    std::uint64_t signed_ms = 0;
  };
  using RoomKey = std::pair<std::string, std::string>;
  std::map<RoomKey, std::map<std::string, Written>> written_;
  void sync_sessions(const RoomList& rooms, const MembersOf& members_of, std::uint64_t now_ms);
  /// The room's members as this node's session records.
  std::vector<cluster::SessionRecord> records_of(const RoomKey& room, const MembersOf& members_of,
                                                 std::uint64_t updated_at_ms) const;
  /// This node's directory entries: changed ones written, gone ones deleted, the hash kept.
  void sync_directory(const std::vector<room::RoomSummary>& rooms);
  /// Every other live node's entries, read after the nodes were.
  void read_directory();
  std::map<std::string, std::string> directory_written_;  // field → entry, as last written
  std::map<RoomKey, RemoteRoom> directory_;               // other nodes' rooms, last read
  bool reading_directory_ = false;
  std::map<std::string, std::uint32_t> placed_;  // viewers sent to each node since its last read
  std::map<std::string, std::uint32_t> placed_sessions_;  // joins and resumes routed, likewise
  /// The live records plus what this node placed since it read them: placement decides on it.
  std::vector<cluster::NodeRecord> placement_view() const;
  BroadcastHandler on_broadcast_;
  std::optional<cluster::ReplayGuard> replays_;  // set by start(): the broadcasts' ids seen
  std::uint64_t replays_dropped_ = 0;
  /// Rooms not in the directory, looked up by their pins for the relay.
  cluster::OriginLookups origin_lookups_;
  std::map<RoomKey, std::vector<StreamId>> origin_waiters_;  // streams asked about, per lookup
  std::function<void(const StreamId&)> on_origin_found_;
  void look_up_origin(const RoomKey& room);
  /// A room located for a join or a resume: pinned here (remembered) or held by a live node.
  Result<bool> take_route(const RoomKey& room, const Result<cluster::Coordinator::Located>& located,
                          cluster::NodeRecord& owner);
  YieldHandler on_yield_;
  /// Rooms being handed over: not refreshed, not synchronised, until write_handed_over is done.
  std::set<RoomKey> handing_over_;
  void begin_hand_over(const RoomKey& room, const std::string& winner);
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  std::unique_ptr<boost::asio::steady_timer> drain_timer_;
};

}  // namespace minirtc::server
