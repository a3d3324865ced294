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
//   rule, the loser logs it: moving its sessions is not built yet); pins of rooms that ended here
//   are deleted.
// - route_join(): where a join for a room goes: here (pinned here, or newly pinned here by load),
//   or the signalling URL of the node that holds it.
// - Redis down: ticks fail and are logged (rate-limited); rooms held here go on from memory;
//   joins for rooms not held here fail with a clear error until Redis answers again, when the
//   next tick re-registers and re-writes the pins by itself.
// Not thread-safe: the server's loop only.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "cluster/coordinator.hpp"
#include "cluster/node_record.hpp"
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

  ClusterNode(boost::asio::io_context& io, const ClusterConfig& config);
  ~ClusterNode();

  const std::string& node_id() const noexcept { return self_.id; }
  const cluster::NodeRecord& self() const noexcept { return self_; }

  /// Blocking, at start only (runs the loop until done or `timeout`): Redis reachable, apps
  /// agree with the cluster's (`apps`: id, key), the first record written. `self` holds the
  /// node's URLs; its id is set here.
  Status start(cluster::NodeRecord self, std::vector<std::pair<std::string, std::string>> apps,
               std::chrono::milliseconds timeout);

  /// Once a second. `load` carries the load fields of the record; `rooms` the rooms held here.
  void tick(const cluster::NodeRecord& load, const RoomList& rooms, std::uint64_t now_ms);

  /// The live nodes, least loaded first (this node included, even before its first read).
  std::vector<cluster::NodeRecord> nodes_by_load() const;

  struct Route {
    bool here = false;
    cluster::NodeRecord owner;  // when not here
  };
  /// Where a join for the room goes; an error when Redis cannot be asked.
  void route_join(const std::string& app_id, const std::string& room_id, std::uint64_t now_ms,
                  std::function<void(Result<Route>)> done);

  /// Clean stop: the record is deleted, so other nodes stop sending clients here at once.
  void withdraw();

 private:
  std::vector<cluster::NodeRecord> live_with_self() const;

  boost::asio::io_context& io_;
  ClusterConfig config_;
  std::unique_ptr<redis::Client> client_;
  std::unique_ptr<RedisStore> store_;
  std::unique_ptr<cluster::Coordinator> coordinator_;
  cluster::NodeRecord self_;
  std::vector<cluster::NodeRecord> live_;                             // last read, sorted by id
  std::map<std::pair<std::string, std::string>, cluster::Pin> pins_;  // rooms held here
  bool reading_ = false;  // a read of the nodes is under way (ticks do not pile up)
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace minirtc::server
