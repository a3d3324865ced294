#pragma once
// HTTP-FLV and WebSocket-FLV players: the same queue, GOP start and mute filters as RTMP players,
// with FLV tags on the wire (chunked HTTP body, or one binary WebSocket message per write).
//
// Every close (shutdown, revocation, stream closed) ends the stream cleanly: the viewer leaves the
// hub at once, the write in flight completes (a merged write is never cut, so the player never
// sees half a tag), the queue is dropped, then HTTP-FLV sends the terminating zero-length chunk
// and WebSocket-FLV a close frame (1001 going away when the server shuts down, 1000 otherwise),
// and the socket closes. A player that takes none of it within kGoodbyeTimeout is cut off.

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "auth/url_signer.hpp"
#include "server/context.hpp"
#include "server/http_stream.hpp"
#include "server/media_connection.hpp"

namespace minirtc::server {

class FlvViewer : public MediaConnection, public Closable {
 public:
  /// How long a closing viewer has to take its last write and its goodbye (HTTP's last chunk,
  /// WebSocket's close frame) before the socket is closed anyway.
  static constexpr std::chrono::seconds kGoodbyeTimeout{3};

  /// `id`: the connection's slot at the FLV door (ctx.connections), from the HTTP connection.
  FlvViewer(ServerContext& ctx, std::string peer, auth::UrlGrant grant, std::uint64_t id);
  void close(std::string_view reason) override;
  void close_viewer(std::string_view reason) override { close(reason); }

 protected:
  /// Binds the connection's slot to this viewer (eviction, shutdown).
  void bind();
  /// Registers with the hub and the URL tracker once the response head is out.
  void begin_playing();
  void on_write_error(const boost::system::error_code& ec) override;
  void on_drained() override;
  /// Ends the viewer: leaves the hub at once; once the write in flight is done, the transport
  /// says goodbye (say_goodbye), then the socket closes. Bounded by kGoodbyeTimeout.
  void close_now(std::string_view reason);
  /// The player went away (it closed, or its socket failed): closes without a goodbye.
  void close_peer_gone(std::string_view reason) {
    broken_ = true;
    close_now(reason);
  }
  /// Ends the stream the transport's way, then calls `done` (also on failure).
  virtual void say_goodbye(std::function<void()> done) = 0;
  virtual void close_socket() = 0;

  ServerContext& ctx_;
  std::string peer_;
  auth::UrlGrant grant_;
  std::uint64_t id_ = 0;
  media::Source* source_ = nullptr;
  bool playing_ = false;  // the response head (or WebSocket handshake) is out
  bool closed_ = false;
  std::string close_reason_;

 private:
  void end_transport();
  void finish();

  bool broken_ = false;  // a write failed: no goodbye on this socket
  bool ending_ = false;  // end_transport() ran
  bool finished_ = false;
  std::optional<boost::asio::steady_timer> goodbye_timer_;
};

/// GET /live/{key}.flv: chunked HTTP response of FLV tags.
class HttpFlvViewer final : public FlvViewer {
 public:
  HttpFlvViewer(ServerContext& ctx, HttpStream stream, std::string peer, auth::UrlGrant grant,
                std::uint64_t id);
  void start();

 private:
  void frame(std::vector<boost::asio::const_buffer>& buffers) override;
  int direct_fd() override;
  void write_buffers(std::vector<boost::asio::const_buffer>& buffers) override;
  void say_goodbye(std::function<void()> done) override;
  void close_socket() override;
  void watch_for_close();

  HttpStream stream_;
  std::string head_;
  std::array<char, 24> chunk_head_{};
  std::array<std::uint8_t, 256> sink_{};
};

/// The same path with Upgrade: websocket: one binary message per merged write.
class WsFlvViewer final : public FlvViewer {
 public:
  /// Largest message a player may send: players have nothing to say (control frames are not
  /// messages), and Beast's default (16 MiB) let each connection with a play URL make the
  /// server buffer 16 MiB.
  static constexpr std::size_t kMaxPlayerMessage = 4096;

  WsFlvViewer(ServerContext& ctx, HttpStream stream, std::string peer, auth::UrlGrant grant,
              std::uint64_t id);
  void start(boost::beast::http::request<boost::beast::http::string_body> request);

 private:
  void write_buffers(std::vector<boost::asio::const_buffer>& buffers) override;
  void say_goodbye(std::function<void()> done) override;
  void close_socket() override;
  void read_until_close();

  boost::beast::websocket::stream<HttpStream> ws_;
  boost::beast::flat_buffer read_buffer_;
};

}  // namespace minirtc::server
