#pragma once
// HTTP-FLV and WebSocket-FLV players: the same queue, GOP start and mute filters as RTMP players,
// with FLV tags on the wire (chunked HTTP body, or one binary WebSocket message per write).

#include <array>
#include <memory>
#include <string>

#include <boost/asio/ip/tcp.hpp>
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
  virtual void close_transport() = 0;
  void close_now(std::string_view reason);

  ServerContext& ctx_;
  std::string peer_;
  auth::UrlGrant grant_;
  std::uint64_t id_ = 0;
  media::Source* source_ = nullptr;
  bool closed_ = false;
  bool close_after_drain_ = false;
  std::string close_reason_;
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
  void close_transport() override;
  void watch_for_close();

  HttpStream stream_;
  std::string head_;
  std::array<char, 24> chunk_head_{};
  std::array<std::uint8_t, 256> sink_{};
};

/// The same path with Upgrade: websocket: one binary message per merged write.
class WsFlvViewer final : public FlvViewer {
 public:
  WsFlvViewer(ServerContext& ctx, HttpStream stream, std::string peer, auth::UrlGrant grant,
              std::uint64_t id);
  void start(boost::beast::http::request<boost::beast::http::string_body> request);

 private:
  void write_buffers(std::vector<boost::asio::const_buffer>& buffers) override;
  void close_transport() override;
  void read_until_close();

  boost::beast::websocket::stream<HttpStream> ws_;
  boost::beast::flat_buffer read_buffer_;
};

}  // namespace minirtc::server
