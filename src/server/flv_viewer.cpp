#include "server/flv_viewer.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/websocket.hpp>

#include "flv/tag.hpp"
#include "server/log_limiter.hpp"

namespace minirtc::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

namespace {
media::PacketPtr flv_file_header_packet() {
  auto h = flv::file_header(true, true);
  return media::make_control_packet(SharedBuffer(std::vector<std::uint8_t>(h.begin(), h.end())));
}
}  // namespace

FlvViewer::FlvViewer(ServerContext& ctx, std::string peer, auth::UrlGrant grant, std::uint64_t id)
    : MediaConnection(ctx.flusher, media::WireFormat::Flv, ctx.config.media.viewer_queue),
      ctx_(ctx),
      peer_(std::move(peer)),
      grant_(std::move(grant)),
      id_(id) {
  viewer_id_ = grant_.viewer;
}

void FlvViewer::bind() {
  ctx_.connections.bind(id_, std::static_pointer_cast<Closable>(
                                 std::static_pointer_cast<FlvViewer>(shared_from_this())));
}

void FlvViewer::begin_playing() {
  auto self = std::static_pointer_cast<FlvViewer>(shared_from_this());
  ctx_.access.track(grant_.nonce, std::static_pointer_cast<Closable>(self));
  ++ctx_.metrics.plays_total;
  log_limited(spdlog::level::info, "flv play", "flv#{} {} play {} viewer={}", id_, peer_,
              stream_key(grant_.stream), viewer_id_);
  send_now(flv_file_header_packet());
  source_ = &ctx_.hub.attach(grant_.stream, this);
}

void FlvViewer::close(std::string_view reason) {
  auto self = std::static_pointer_cast<FlvViewer>(shared_from_this());
  asio::post(ctx_.io, [self, r = std::string(reason)] { self->close_now(r); });
}

void FlvViewer::on_write_error(const boost::system::error_code& ec) {
  close_now("write failed: " + ec.message());
}

void FlvViewer::on_drained() {
  if (close_after_drain_) close_now(close_reason_);
}

void FlvViewer::close_now(std::string_view reason) {
  if (closed_) return;
  closed_ = true;
  if (source_) ctx_.hub.detach(*source_, this);
  source_ = nullptr;
  ctx_.access.untrack(grant_.nonce, this);
  log_limited(spdlog::level::info, "flv closed", "flv#{} closed: {} (out {} B)", id_, reason,
              bytes_out());
  close_transport();
  ctx_.connections.release(id_);
}

HttpFlvViewer::HttpFlvViewer(ServerContext& ctx, HttpStream stream, std::string peer,
                             auth::UrlGrant grant, std::uint64_t id)
    : FlvViewer(ctx, std::move(peer), std::move(grant), id), stream_(std::move(stream)) {
  head_ =
      "HTTP/1.1 200 OK\r\n"
      "Content-Type: video/x-flv\r\n"
      "Transfer-Encoding: chunked\r\n"
      "Cache-Control: no-cache, no-store\r\n"
      "Connection: close\r\n"
      "Server: minirtc\r\n"
      "Access-Control-Allow-Origin: *\r\n"
      "\r\n";
}

void HttpFlvViewer::start() {
  bind();
  auto self = std::static_pointer_cast<HttpFlvViewer>(shared_from_this());
  asio::async_write(stream_, asio::buffer(head_),
                    [self](const boost::system::error_code& ec, std::size_t) {
                      if (ec) return self->close_now("write failed: " + ec.message());
                      self->begin_playing();
                      self->watch_for_close();
                    });
}

void HttpFlvViewer::watch_for_close() {
  // A player sends nothing after its request; reading tells us at once when it goes away.
  auto self = std::static_pointer_cast<HttpFlvViewer>(shared_from_this());
  stream_.async_read_some(asio::buffer(sink_),
                          [self](const boost::system::error_code& ec, std::size_t) {
                            if (self->closed_) return;
                            if (ec) return self->close_now("player closed");
                            self->watch_for_close();
                          });
}

void HttpFlvViewer::frame(std::vector<asio::const_buffer>& buffers) {
  // One HTTP chunk per merged write: "<hex size>\r\n" <tags> "\r\n".
  std::size_t total = asio::buffer_size(buffers);
  auto head = fmt::format_to_n(chunk_head_.data(), chunk_head_.size(), "{:x}\r\n", total);
  buffers.insert(buffers.begin(), asio::buffer(chunk_head_.data(), head.size));
  buffers.emplace_back("\r\n", 2);
}

int HttpFlvViewer::direct_fd() {
  auto& socket = stream_.tcp().socket();
  return stream_.is_tls() || !socket.is_open() ? -1 : socket.native_handle();
}

void HttpFlvViewer::write_buffers(std::vector<asio::const_buffer>& buffers) {
  auto self = std::static_pointer_cast<HttpFlvViewer>(shared_from_this());
  asio::async_write(stream_, buffers, [self](const boost::system::error_code& ec, std::size_t n) {
    self->write_done(ec, n);
  });
}

void HttpFlvViewer::close_transport() {
  auto close_socket = [self = std::static_pointer_cast<HttpFlvViewer>(shared_from_this())] {
    boost::system::error_code ec;
    self->stream_.tcp().socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    self->stream_.tcp().socket().close(ec);
  };
  if (!idle()) return close_socket();
  // End the chunked body cleanly when nothing is in flight (shutdown, revocation); a player
  // that does not take these 5 bytes within a second just gets the close.
  static constexpr char kLast[] = "0\r\n\r\n";
  stream_.tcp().expires_after(std::chrono::seconds(1));
  asio::async_write(
      stream_, asio::buffer(kLast, 5),
      [close_socket](const boost::system::error_code&, std::size_t) { close_socket(); });
}

WsFlvViewer::WsFlvViewer(ServerContext& ctx, HttpStream stream, std::string peer,
                         auth::UrlGrant grant, std::uint64_t id)
    : FlvViewer(ctx, std::move(peer), std::move(grant), id), ws_(std::move(stream)) {}

void WsFlvViewer::start(beast::http::request<beast::http::string_body> request) {
  bind();
  ws_.next_layer().tcp().expires_never();
  ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
  ws_.binary(true);
  auto self = std::static_pointer_cast<WsFlvViewer>(shared_from_this());
  ws_.async_accept(request, [self](const boost::system::error_code& ec) {
    if (ec) return self->close_now("websocket handshake failed: " + ec.message());
    self->begin_playing();
    self->read_until_close();
  });
}

void WsFlvViewer::read_until_close() {
  auto self = std::static_pointer_cast<WsFlvViewer>(shared_from_this());
  ws_.async_read(read_buffer_, [self](const boost::system::error_code& ec, std::size_t) {
    if (self->closed_) return;
    if (ec) return self->close_now("player closed");
    self->read_buffer_.clear();  // players have nothing to say; ignore what they send
    self->read_until_close();
  });
}

void WsFlvViewer::write_buffers(std::vector<asio::const_buffer>& buffers) {
  auto self = std::static_pointer_cast<WsFlvViewer>(shared_from_this());
  ws_.async_write(buffers, [self](const boost::system::error_code& ec, std::size_t n) {
    self->write_done(ec, n);
  });
}

void WsFlvViewer::close_transport() {
  boost::system::error_code ec;
  ws_.next_layer().tcp().socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  ws_.next_layer().tcp().socket().close(ec);
}

}  // namespace minirtc::server
