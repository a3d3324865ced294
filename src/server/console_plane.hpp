#pragma once
// The server side of the web console (console/, docs/operations.md "Web console"):
// - its live feed, a WebSocket at /v1/admin/feed: the browser sends {"type":"auth","key":K} as
//   its first message (a browser cannot put an Authorization header on a WebSocket, and the key
//   never goes into a URL), then {"type":"watch","appId","roomId"} for the room page it shows.
//   The server answers with the history it holds and, on each sample (once a second), the new
//   points and whatever changed: the overview (node, apps, rooms with counts) and the watched
//   room (members, reports, stream statistics) are sent only when their JSON differs from what
//   that browser last got. No browser polls an endpoint.
// - a server-side history of a few minutes (console/history.hpp), sampled from the hub on the
//   tick, so charts start full;
// The admin routes the console needs besides the existing ones (a WebSocket-FLV play URL for the
// preview, a token generator, mute-for-everyone of a user's stream) are api routes
// (api/console_routes.cpp); its static files are served by HttpSession before the router.
//
// Feed limits: the first message must arrive within kAuthTimeout and be the right key (else
// close 4401, counted as admin_unauthorized); messages from the browser are at most
// kMaxMessageBytes; a browser that does not read its messages (kMaxQueued queued) is cut off.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "console/history.hpp"
#include "server/context.hpp"
#include "server/http_stream.hpp"

namespace minirtc::room {
class RoomService;
}

namespace minirtc::server {

class FeedSession;

class ConsolePlane {
 public:
  static constexpr std::chrono::seconds kAuthTimeout{10};
  static constexpr std::size_t kMaxMessageBytes = 4096;
  static constexpr std::size_t kMaxQueued = 64;
  static constexpr std::uint64_t kSampleIntervalMs = 1000;

  /// `rooms` must outlive the plane (the signalling plane's room service).
  ConsolePlane(ServerContext& ctx, const room::RoomService& rooms);
  ~ConsolePlane();

  /// GET /v1/admin/feed upgraded to a WebSocket.
  void accept_feed(HttpStream stream,
                   boost::beast::http::request<boost::beast::http::string_body> request,
                   std::string peer, std::uint64_t connection_id);

  /// Twice a second from the server's tick: samples the hub once per kSampleIntervalMs and
  /// sends each feed what changed.
  void tick(std::uint64_t now_ms);

 private:
  friend class FeedSession;
  std::string overview_json() const;
  std::string room_json(const std::string& app_id, const std::string& room_id) const;
  std::string totals_history_json() const;
  std::string room_history_json(const std::string& app_id, const std::string& room_id) const;
  std::string sample_json(const FeedSession& session, std::uint64_t now_ms) const;

  ServerContext& ctx_;
  const room::RoomService& rooms_;
  console::History history_;
  std::uint64_t last_sample_ms_ = 0;
  std::map<std::uint64_t, std::weak_ptr<FeedSession>> feeds_;
  std::uint64_t next_feed_ = 1;
};

}  // namespace minirtc::server
