#pragma once
// What the built-in /v1 routes need from the node, as one interface: the app registry's view,
// room service views and admin commands, the report intake, stream statistics, the public URL,
// the metrics text, the FLV play URL check and signing, and a random source. The server implements
// it over its context (server/signal_plane.cpp); unit tests implement it over a real RoomService
// and SignalDispatcher with fixed apps and streams. A cluster implementation may answer views and
// commands for rooms held by other nodes.
//
// Commands return room::Outcome with their effects not yet applied: the route puts the Outcome
// into Reply::effects and the I/O layer applies it, so nothing here touches a socket.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/forward_limiter.hpp"
#include "core/ids.hpp"
#include "media/source.hpp"
#include "room/outcome.hpp"
#include "room/views.hpp"
#include "signal/dispatcher.hpp"

namespace minirtc::api {

struct AppInfo {
  std::string id;
  std::string key;
  bool development = false;  // the embedded default's app: /v1/dev/token hands out tokens
};

struct StreamRow {
  StreamId id;
  media::StreamStats stats;
  /// Published here by a relay upstream: a copy of a stream published on another node (an
  /// edge's, docs/cluster.md "Edges"), not a publisher of this node.
  bool relayed = false;
};

class Services {
 public:
  virtual ~Services() = default;

  // ---- Apps (in configuration order) and public URLs.
  virtual std::vector<AppInfo> apps() const = 0;
  /// "http(s)://host:port" of this node's HTTP port as clients reach it.
  virtual std::string http_base() const = 0;
  /// The signalling URLs /v1/config lists; empty: this node's own. A cluster node lists every
  /// live node's, least loaded first (docs/cluster.md).
  virtual std::vector<std::string> signal_urls() const { return {}; }

  // ---- Rooms.
  virtual std::vector<room::RoomSummary> list_rooms(std::string_view app_id) const = 0;
  virtual std::optional<room::RoomView> room(std::string_view app_id,
                                             std::string_view room_id) const = 0;
  virtual room::Outcome kick(std::string_view app_id, std::string_view room_id,
                             std::string_view user_id, std::string_view reason,
                             std::uint64_t now_ms) = 0;
  virtual room::Outcome dismiss(std::string_view app_id, std::string_view room_id,
                                std::string_view reason, std::uint64_t now_ms) = 0;
  virtual room::Outcome forbid_publish(std::string_view app_id, std::string_view room_id,
                                       std::string_view user_id, bool forbidden,
                                       std::uint64_t now_ms) = 0;

  // ---- Cluster (docs/cluster.md "Cluster-wide admin"); a single node has none of this.
  struct NodeRef {
    std::string id;
    std::string http_base;  // "http(s)://host:port[/prefix]" of that node
  };
  /// This node's id ("" on a single node).
  virtual std::string node_id() const { return {}; }
  /// The rooms of the app other live nodes hold (the cluster's room directory).
  struct RemoteRoom {
    NodeRef node;
    room::RoomSummary summary;
  };
  virtual std::vector<RemoteRoom> remote_rooms(std::string_view /*app_id*/) const { return {}; }
  /// The other live nodes (the registry as last read), by id.
  virtual std::vector<NodeRef> other_nodes() const { return {}; }
  /// The other node that holds the room, when there is one.
  virtual std::optional<NodeRef> room_elsewhere(std::string_view /*app_id*/,
                                                std::string_view /*room_id*/) const {
    return std::nullopt;
  }

  /// Cluster mode: whether a report for a session another node holds may be forwarded now, for
  /// `client` (its address key, Request::client): the node's ForwardLimiter takes a token.
  virtual ForwardLimiter::Decision admit_forward(std::string_view /*client*/,
                                                 std::uint64_t /*now_ms*/) {
    return {};
  }

  /// POST /v1/report body (signal::SignalDispatcher::on_report).
  virtual signal::HttpReply report(std::string_view body, std::uint64_t now_ms) = 0;

  // ---- Media plane.
  virtual std::vector<StreamRow> streams(std::uint64_t now_ms) = 0;
  /// Why the FLV play URL /live/{key}.flv?{query} is refused; "refused" when its checks pass
  /// (the route is reached only when the viewer could not be handed over).
  virtual std::string play_refusal(std::string_view key, std::string_view query,
                                   std::uint64_t now_ms) = 0;
  /// A signed WebSocket-FLV play URL of `id` for `viewer` (the console's preview), with the
  /// configured URL lifetime.
  virtual std::string play_url(const StreamId& id, std::string_view viewer,
                               std::uint64_t now_ms) = 0;
  /// The Prometheus text of /metrics.
  virtual std::string metrics_text() = 0;

  /// A random 32-bit value (CSPRNG) for token nonces.
  virtual std::uint32_t random_u32() = 0;
};

}  // namespace minirtc::api
