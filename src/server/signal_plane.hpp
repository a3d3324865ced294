#pragma once
// Rooms and signalling on top of the media plane: the WebSocket JSON-RPC sessions, the room state
// machine, the HTTP API's router (api/: routes, admin auth, JSON) over this node's services, and
// the bridge that turns room effects and the API's effects into media actions (signed URLs,
// revocations, mute filters) and hub events into room events (stream live / ended).

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "api/router.hpp"
#include "core/ids.hpp"
#include "media/hub.hpp"
#include "room/outcome.hpp"
#include "room/resumable.hpp"
#include "server/context.hpp"
#include "server/http_stream.hpp"

namespace minirtc::room {
class RoomService;
}

namespace minirtc::server {

class SignalSession;
class RoomBridge;
class ServerServices;
class UsageRecorder;

class SignalPlane {
 public:
  explicit SignalPlane(ServerContext& ctx);
  ~SignalPlane();

  /// GET /v1/signal upgraded: starts a signalling session on the stream. `connection_id`: its
  /// slot at the HTTP door, authenticated once the session joins or resumes.
  void accept_websocket(HttpStream stream,
                        boost::beast::http::request<boost::beast::http::string_body> request,
                        std::string peer, std::uint64_t connection_id);
  /// Every HTTP route (api/routes.hpp); the reply's effects are applied before it returns (the
  /// reply keeps its rejection reason and log line for the HTTP session, which knows the peer).
  api::Reply handle_http(const api::Request& request);
  /// A POST /v1/report body node `from` forwarded here (cluster mode): applied as if it had been
  /// posted here; refused (unknown session, bad body) it is counted and logged, rate-limited.
  void apply_forwarded_report(std::string_view from, std::string_view body);
  /// The router, for modules that add routes (before the server starts serving).
  api::Router& router() noexcept { return router_; }
  void append_metrics(std::string& out);
  /// The rooms, read-only (the web console's feed renders them).
  const room::RoomService& room_service() const;
  /// Rooms held here (appId, roomId) and signalling sessions: the cluster record's load.
  std::vector<std::pair<std::string, std::string>> rooms() const;
  /// Every room held here with its counts.
  std::vector<room::RoomSummary> room_summaries() const;
  std::size_t session_count() const;

  // Hub events: they become room events (stream started / stopped / failed) for observers too.
  void on_stream_live(const StreamId& id, bool has_audio, bool has_video,
                      room::PushOrigin origin = room::PushOrigin::Direct);
  void on_stream_ended(const StreamId& id, const media::StreamEnd& how);
  /// Once a second: room timers.
  void tick(std::uint64_t now_ms);
  void shutdown();
  /// The room and signalling settings of the server's configuration changed (SIGHUP).
  void reload();
  /// Serves /v1/admin/apps/{appId}/usage... from these call records (not set: 404).
  void set_usage(UsageRecorder* usage);

  /// Cluster mode, a pin conflict lost (docs/cluster.md "Pin conflicts"): the room is forgotten
  /// here at once (RoomService::hand_over); nothing of it is applied yet: the caller writes
  /// `members` out, then applies `outcome`, and `media_end` later.
  struct HandOver {
    std::vector<room::ResumableMember> members;
    room::Outcome outcome;
    std::vector<room::MediaEffect> media_end;
  };
  HandOver hand_over(const std::string& app_id, const std::string& room_id, std::uint64_t now_ms);
  /// Sends, closes, applies the effects of and publishes the events of `outcome`.
  void apply(room::Outcome&& outcome);

 private:
  std::unique_ptr<RoomBridge> bridge_;
  std::unique_ptr<ServerServices> services_;
  api::Router router_;
};

}  // namespace minirtc::server
