#pragma once
// The byte stream under every HTTP-port connection: plain TCP, or TLS over TCP when the server
// has a certificate. Chosen at run time, so the HTTP, FLV and WebSocket code exists once and
// works on both (an AsyncReadStream/AsyncWriteStream that Beast's HTTP and WebSocket accept).

#include <memory>
#include <utility>
#include <variant>

#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/teardown.hpp>

namespace minirtc::server {

class HttpStream {
 public:
  using Plain = boost::beast::tcp_stream;
  using Tls = boost::beast::ssl_stream<boost::beast::tcp_stream>;
  using executor_type = Plain::executor_type;

  explicit HttpStream(Plain plain) : v_(std::move(plain)) {}
  HttpStream(Plain plain, boost::asio::ssl::context& tls)
      : v_(std::in_place_type<Tls>, std::move(plain), tls) {}
  HttpStream(HttpStream&&) = default;
  HttpStream& operator=(HttpStream&&) = default;

  bool is_tls() const noexcept { return std::holds_alternative<Tls>(v_); }
  Tls* tls() noexcept { return std::get_if<Tls>(&v_); }
  /// The TCP layer: timeouts, socket options, shutdown.
  Plain& tcp() noexcept {
    return std::visit([](auto& s) -> Plain& { return boost::beast::get_lowest_layer(s); }, v_);
  }
  executor_type get_executor() noexcept { return tcp().get_executor(); }

  template <class MutableBufferSequence, class ReadToken>
  auto async_read_some(const MutableBufferSequence& buffers, ReadToken&& token) {
    return std::visit(
        [&](auto& s) { return s.async_read_some(buffers, std::forward<ReadToken>(token)); }, v_);
  }
  template <class ConstBufferSequence, class WriteToken>
  auto async_write_some(const ConstBufferSequence& buffers, WriteToken&& token) {
    return std::visit(
        [&](auto& s) { return s.async_write_some(buffers, std::forward<WriteToken>(token)); }, v_);
  }

 private:
  template <class H>
  friend void async_teardown(boost::beast::role_type role, HttpStream& stream, H&& handler);
  friend void teardown(boost::beast::role_type role, HttpStream& stream,
                       boost::system::error_code& ec);

  std::variant<Plain, Tls> v_;
};

/// Closing the socket under either kind of stream (Beast's websocket timeouts call this).
inline void beast_close_socket(HttpStream& stream) {
  boost::system::error_code ec;
  stream.tcp().socket().close(ec);
}

// WebSocket close on either kind of stream (found by Beast through argument-dependent lookup).
inline void teardown(boost::beast::role_type role, HttpStream& stream,
                     boost::system::error_code& ec) {
  std::visit(
      [&](auto& s) {
        using boost::beast::websocket::teardown;
        teardown(role, s, ec);
      },
      stream.v_);
}

template <class H>
void async_teardown(boost::beast::role_type role, HttpStream& stream, H&& handler) {
  std::visit(
      [&](auto& s) {
        using boost::beast::websocket::async_teardown;
        async_teardown(role, s, std::forward<H>(handler));
      },
      stream.v_);
}

}  // namespace minirtc::server
