#include "server/callback_http.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <fmt/format.h>

namespace minirtc::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;

namespace {

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kMaxHeaderBytes = 8 * 1024;

using Clock = std::chrono::steady_clock;

/// Write the request and read the answer on a connected (and for https, handshaken) stream.
template <class Stream>
asio::awaitable<PostOutcome> exchange(Stream& stream, beast::tcp_stream& tcp_layer,
                                      const PostRequest& req, Clock::time_point deadline) {
  const bool get = req.method == "GET";
  http::request<http::string_body> out{get ? http::verb::get : http::verb::post, req.url.target,
                                       11};
  const bool default_port = req.url.port == (req.url.tls ? 443 : 80);
  const bool v6 = req.url.host.find(':') != std::string::npos;
  const auto host = v6 ? "[" + req.url.host + "]" : req.url.host;
  out.set(http::field::host, default_port ? host : fmt::format("{}:{}", host, req.url.port));
  out.set(http::field::user_agent, req.user_agent);
  if (!get) out.set(http::field::content_type, "application/json");
  out.set(http::field::connection, "close");
  for (const auto& [name, value] : req.headers) out.set(name, value);
  if (!get) out.body() = req.body;
  out.prepare_payload();
  tcp_layer.expires_at(deadline);
  auto [wec, wn] = co_await http::async_write(stream, out, kNoThrow);
  if (wec) co_return PostOutcome{0, "write: " + wec.message(), {}};
  beast::flat_buffer buffer(kMaxHeaderBytes + 4096);  // bounded: max_size
  http::response_parser<http::string_body> parser;
  parser.header_limit(kMaxHeaderBytes);
  parser.body_limit(req.max_response_bytes);
  tcp_layer.expires_at(deadline);
  auto [rec, rn] = co_await http::async_read(stream, buffer, parser, kNoThrow);
  const unsigned status = parser.is_header_done() ? parser.get().result_int() : 0;
  if (rec == http::error::body_limit)
    co_return PostOutcome{
        status, fmt::format("answer longer than {} bytes: cut off", req.max_response_bytes), {}};
  if (rec == beast::error::timeout) co_return PostOutcome{status, "no answer in time", {}};
  if (rec) co_return PostOutcome{status, "read: " + rec.message(), {}};
  co_return PostOutcome{status, {}, std::move(parser.get().body())};
}

asio::awaitable<PostOutcome> do_post(asio::ssl::context& tls, PostRequest req) {
  const auto deadline = Clock::now() + req.timeout;
  auto ex = co_await asio::this_coro::executor;
  // Resolve (a name may take long: the resolver races a timer for the same deadline).
  tcp::resolver resolver(ex);
  asio::steady_timer timer(ex, deadline);
  auto resolved =
      co_await (resolver.async_resolve(req.url.host, std::to_string(req.url.port), kNoThrow) ||
                timer.async_wait(kNoThrow));
  if (resolved.index() == 1) co_return PostOutcome{0, "no answer in time (resolving the host)", {}};
  auto [ec, endpoints] = std::get<0>(resolved);
  if (ec) co_return PostOutcome{0, "resolve: " + ec.message(), {}};

  beast::tcp_stream tcp_stream(ex);
  tcp_stream.expires_at(deadline);
  auto [cec, ep] = co_await tcp_stream.async_connect(endpoints, kNoThrow);
  if (cec == beast::error::timeout) co_return PostOutcome{0, "no answer in time (connect)", {}};
  if (cec) co_return PostOutcome{0, "connect: " + cec.message(), {}};
  if (!req.url.tls) {
    auto r = co_await exchange(tcp_stream, tcp_stream, req, deadline);
    beast::error_code ignored;
    tcp_stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    co_return r;
  }
  beast::ssl_stream<beast::tcp_stream> stream(std::move(tcp_stream), tls);
  if (!SSL_set_tlsext_host_name(stream.native_handle(), req.url.host.c_str()))
    co_return PostOutcome{0, "TLS: cannot set the server name", {}};
  stream.set_verify_mode(asio::ssl::verify_peer);
  stream.set_verify_callback(asio::ssl::host_name_verification(req.url.host));
  beast::get_lowest_layer(stream).expires_at(deadline);
  auto [hec] = co_await stream.async_handshake(asio::ssl::stream_base::client, kNoThrow);
  if (hec == beast::error::timeout)
    co_return PostOutcome{0, "no answer in time (TLS handshake)", {}};
  if (hec) co_return PostOutcome{0, "TLS handshake: " + hec.message(), {}};
  co_return co_await exchange(stream, beast::get_lowest_layer(stream), req, deadline);
  // No TLS close_notify: the server closes (Connection: close) and the socket goes with us.
}

}  // namespace

void post_callback(asio::io_context& io, asio::ssl::context& tls, PostRequest request,
                   std::function<void(PostOutcome)> done) {
  asio::co_spawn(io, do_post(tls, std::move(request)),
                 [done = std::move(done)](std::exception_ptr e, PostOutcome outcome) {
                   if (e) {
                     try {
                       std::rethrow_exception(e);
                     } catch (const std::exception& ex) {
                       outcome = PostOutcome{0, ex.what(), {}};
                     } catch (...) {
                       outcome = PostOutcome{0, "unknown error", {}};
                     }
                   }
                   done(std::move(outcome));
                 });
}

}  // namespace minirtc::server
