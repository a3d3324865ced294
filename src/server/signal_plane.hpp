#pragma once
// Rooms and signalling on top of the media plane: the WebSocket JSON-RPC sessions, the room state
// machine, the /v1 HTTP routes (config, report, admin, dev token) and the bridge that turns room
// effects into media actions (signed URLs, revocations, mute filters) and hub events into room
// events (stream live / ended).

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "core/ids.hpp"
#include "server/context.hpp"
#include "server/http_reply.hpp"
#include "server/http_stream.hpp"

namespace minirtc::room {
class RoomService;
}

namespace minirtc::server {

class SignalSession;
class RoomBridge;

class SignalPlane {
 public:
  explicit SignalPlane(ServerContext& ctx);
  ~SignalPlane();

  /// GET /v1/signal upgraded: starts a signalling session on the stream. `connection_id`: its
  /// slot at the HTTP door, authenticated once the session joins or resumes.
  void accept_websocket(HttpStream stream,
                        boost::beast::http::request<boost::beast::http::string_body> request,
                        std::string peer, std::uint64_t connection_id);
  /// /v1/config, /v1/report, /v1/admin/..., /v1/dev/token.
  HttpReply handle_http(std::string_view method, std::string_view path, std::string_view query,
                        std::string_view body, std::string_view authorization);
  void append_metrics(std::string& out);
  /// The rooms, read-only (the web console's feed renders them).
  const room::RoomService& rooms() const;

  // Hub events.
  void on_stream_live(const StreamId& id, bool has_audio, bool has_video);
  void on_stream_ended(const StreamId& id);
  /// Once a second: room timers.
  void tick(std::uint64_t now_ms);
  void shutdown();
  /// The room and signalling settings of the server's configuration changed (SIGHUP).
  void reload();

 private:
  HttpReply handle_admin(std::string_view method, std::string_view rest, std::string_view body);

  std::unique_ptr<RoomBridge> bridge_;
};

}  // namespace minirtc::server
