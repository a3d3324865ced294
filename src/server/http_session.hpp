#pragma once
// One HTTP connection: reads requests with header/body limits and a whole-request timeout (slow
// loris), answers API routes, and hands the socket over for FLV playback or WebSocket upgrades.
// A route's reply that needs other cluster nodes' parts (api::FanOut) waits for them in this
// session's coroutine (server/node_fanout.hpp, bounded in time): the loop serves everyone else.

#include <memory>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "api/request.hpp"
#include "server/context.hpp"
#include "server/http_stream.hpp"

namespace minirtc::server {

class HttpSession : public std::enable_shared_from_this<HttpSession>, public Closable {
 public:
  using Request = boost::beast::http::request<boost::beast::http::string_body>;

  /// `id`: the connection's slot at the HTTP door (ctx.connections); handed over with the
  /// socket (signalling keeps it at the HTTP door, an FLV viewer moves it to the FLV door).
  HttpSession(ServerContext& ctx, boost::asio::ip::tcp::socket socket, std::uint64_t id);
  void start();
  void close(std::string_view reason) override;

 private:
  boost::asio::awaitable<void> run();
  /// true when the connection was handed over (FLV viewer, WebSocket).
  bool try_hand_over(Request& request);
  /// A reply with a file body (a recording's MP4, api::FileBody), streamed from disk with Beast's
  /// file_body; HEAD gets the head alone. NotOpened: the caller answers 404.
  enum class FileOutcome { NotOpened, Sent, Closed };
  boost::asio::awaitable<FileOutcome> send_file(Request& request, const api::FileBody& file);
  /// The router's answer (api/router.hpp), its effects applied, its rejection counted and its
  /// line logged.
  api::Reply route(const api::Request& request);
  /// The web console's files and redirects (console/assets.hpp), served before the router;
  /// nullopt for other paths.
  static std::optional<api::Reply> console_reply(const api::Request& request);

  ServerContext& ctx_;
  HttpStream stream_;
  boost::beast::flat_buffer buffer_;
  std::string peer_;
  std::string client_key_;  // api::Request::client: the address, an IPv6 one's /64
  std::uint64_t id_ = 0;
  bool handed_over_ = false;
  std::optional<api::Reply> door_refusal_;  // set by try_hand_over: the FLV door is full
};

/// The Prometheus text of /metrics: the hub, the doors, the counters, the rooms.
std::string metrics_text(ServerContext& ctx);

/// Accepts HTTP connections (server/accept_loop.hpp).
boost::asio::awaitable<void> http_accept_loop(ServerContext& ctx,
                                              boost::asio::ip::tcp::acceptor& acceptor);

}  // namespace minirtc::server
