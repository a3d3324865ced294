#include "server/http_session.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ssl/stream_base.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include "console/assets.hpp"
#include "http/query.hpp"
#include "server/accept_loop.hpp"
#include "server/callbacks.hpp"
#include "server/console_plane.hpp"
#include "server/flv_viewer.hpp"
#include "server/log_limiter.hpp"
#include "server/node_fanout.hpp"
#include "server/push_forward.hpp"
#include "server/recordings.hpp"
#include "server/relay.hpp"
#include "server/signal_plane.hpp"

namespace minirtc::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

namespace {
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

using minirtc::http::flv_stream_key;

void add_cors(http::response<http::string_body>& res) {
  res.set(http::field::access_control_allow_origin, "*");
}

/// The API's view of a request: views into `req`, valid while it lives. A cluster node's path
/// prefix (docs/cluster.md) is taken off the path.
api::Request api_request(const HttpSession::Request& req, std::string_view path_prefix) {
  auto [path, query] = minirtc::http::split_target(req.target());
  path = minirtc::http::strip_path_prefix(path, path_prefix);
  api::Request r;
  r.method = req.method_string();
  r.path = path;
  r.query = query;
  r.body = req.body();
  for (auto [it, end] = req.equal_range(http::field::authorization); it != end; ++it)
    r.authorizations.push_back(it->value());
  r.now_ms = now_ms();
  return r;
}

HttpStream make_stream(ServerContext& ctx, tcp::socket socket) {
  if (ctx.tls) return HttpStream(beast::tcp_stream(std::move(socket)), *ctx.tls);
  return HttpStream(beast::tcp_stream(std::move(socket)));
}
}  // namespace

HttpSession::HttpSession(ServerContext& ctx, tcp::socket socket, std::uint64_t id)
    : ctx_(ctx), stream_(make_stream(ctx, std::move(socket))), id_(id) {
  boost::system::error_code ec;
  auto ep = stream_.tcp().socket().remote_endpoint(ec);
  peer_ = ec ? "?" : ep.address().to_string() + ":" + std::to_string(ep.port());
  if (!ec) {
    // Rate limits key a client by its address; an IPv6 client by its /64 (one host usually has
    // a whole /64 to pick addresses from).
    auto a = ep.address();
    if (a.is_v6() && a.to_v6().is_v4_mapped())
      a = asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
    if (a.is_v6()) {
      auto bytes = a.to_v6().to_bytes();
      std::fill(bytes.begin() + 8, bytes.end(), 0);
      client_key_ = asio::ip::address_v6(bytes).to_string() + "/64";
    } else {
      client_key_ = a.to_string();
    }
  }
}

void HttpSession::start() {
  ctx_.connections.bind(id_, std::static_pointer_cast<Closable>(shared_from_this()));
  auto self = shared_from_this();
  asio::co_spawn(
      stream_.get_executor(), [self] { return self->run(); }, asio::detached);
}

void HttpSession::close(std::string_view) {
  if (handed_over_) return;
  stream_.tcp().cancel();
  boost::system::error_code ec;
  stream_.tcp().socket().close(ec);
}

asio::awaitable<void> HttpSession::run() {
  auto self = shared_from_this();
  if (auto* tls = stream_.tls()) {
    stream_.tcp().expires_after(std::chrono::seconds(ctx_.config.http.read_timeout_s));
    auto [ec] = co_await tls->async_handshake(asio::ssl::stream_base::server, kNoThrow);
    if (ec) {
      ctx_.metrics.reject("tls_handshake");
      log_limited(spdlog::level::info, "http tls failed", "http {} TLS handshake failed: {}", peer_,
                  ec.message());
      boost::system::error_code ignored;
      stream_.tcp().socket().close(ignored);
      ctx_.connections.release(id_);
      co_return;
    }
  }
  bool first = true;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(ctx_.config.http.header_limit);
    parser.body_limit(ctx_.config.http.body_limit);
    // The whole request must arrive within the timeout: a slow-loris client is cut off.
    stream_.tcp().expires_after(std::chrono::seconds(
        first ? ctx_.config.http.read_timeout_s : ctx_.config.http.keep_alive_timeout_s));
    auto [ec, n] = co_await http::async_read(stream_, buffer_, parser, kNoThrow);
    first = false;
    if (ec) {
      if (ec == http::error::header_limit || ec == http::error::body_limit ||
          ec == http::error::bad_target || ec == http::error::bad_method ||
          ec == http::error::bad_field || ec == http::error::bad_value ||
          ec == http::error::bad_version || ec == http::error::bad_line_ending ||
          ec == http::error::bad_chunk || ec == http::error::bad_content_length) {
        ctx_.metrics.reject("http_bad_request");
        log_limited(spdlog::level::info, "http bad request", "http {} bad request: {}", peer_,
                    ec.message());
        const unsigned status = ec == http::error::header_limit ? 431
                                : ec == http::error::body_limit ? 413
                                                                : 400;
        http::response<http::string_body> res{static_cast<http::status>(status), 11};
        res.set(http::field::content_type, "application/json");
        res.set(http::field::connection, "close");
        res.body() = api::json_error(status, ec.message()).body;
        res.prepare_payload();
        stream_.tcp().expires_after(std::chrono::seconds(5));
        co_await http::async_write(stream_, res, kNoThrow);
      } else if (ec == beast::error::timeout) {
        ctx_.metrics.reject("http_timeout");
        log_limited(spdlog::level::debug, "http timed out", "http {} timed out", peer_);
      }
      break;
    }
    ++ctx_.metrics.http_requests_total;
    auto req = parser.release();
    api::Request request = api_request(req, ctx_.config.cluster.path_prefix);
    request.client = client_key_;
    // Two credentials in one request: which one a proxy or the server would check is a guess, so
    // neither is, at any door.
    auto refused = api::refuse_credentials(request);
    if (!refused && try_hand_over(req)) {
      handed_over_ = true;
      break;
    }
    api::Reply reply = refused         ? std::move(*refused)
                       : door_refusal_ ? std::move(*door_refusal_)
                                       : route(request);
    door_refusal_.reset();
    if (reply.fan_out) {
      // A cluster-wide listing: the other nodes' parts first (bounded in time; the loop runs on).
      auto fan_out = std::move(reply.fan_out);
      auto answers = co_await ask_nodes(ctx_, *fan_out);
      reply = fan_out->finish(std::move(answers));
    }
    if (!reply.rejected.empty()) ctx_.metrics.reject(std::string(reply.rejected));
    if (reply.log)
      log_limited(
          reply.log->level == api::LogLine::Level::Warn ? spdlog::level::warn : spdlog::level::info,
          reply.log->key, "http {} {}", peer_, reply.log->text);
    if (reply.file) {
      const auto sent = co_await send_file(req, *reply.file);
      if (sent == FileOutcome::Sent) continue;
      if (sent == FileOutcome::Closed) break;
      reply = api::json_error(404, "no such recording");  // gone since the route looked
    }
    http::response<http::string_body> res{static_cast<http::status>(reply.status), req.version()};
    res.set(http::field::server, "minirtc");
    res.set(http::field::content_type, reply.content_type);
    add_cors(res);
    if (reply.status == 405) res.set(http::field::allow, reply.allow);
    for (const auto& [name, value] : reply.headers) res.set(name, value);
    if (req.method() == http::verb::options && !reply.allow.empty()) {
      res.set(http::field::access_control_allow_methods, reply.allow + ", OPTIONS");
      res.set(http::field::access_control_allow_headers, "Content-Type, Authorization");
      res.set(http::field::access_control_max_age, "86400");
    }
    res.keep_alive(req.keep_alive() && !reply.close);
    res.body() = std::move(reply.body);
    res.prepare_payload();
    // HEAD: the GET answer's head (its Content-Length included), no body.
    if (req.method() == http::verb::head) res.body().clear();
    auto [wec, wn] = co_await http::async_write(stream_, res, kNoThrow);
    if (wec || !res.keep_alive()) break;
  }
  if (!handed_over_) {
    boost::system::error_code ec;
    stream_.tcp().socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.tcp().socket().close(ec);
    ctx_.connections.release(id_);
  }
}

asio::awaitable<HttpSession::FileOutcome> HttpSession::send_file(Request& req,
                                                                 const api::FileBody& file) {
  http::response<http::file_body> res{http::status::ok, req.version()};
  beast::error_code ec;
  res.body().open(file.path.c_str(), beast::file_mode::scan, ec);
  if (ec) co_return FileOutcome::NotOpened;
  res.set(http::field::server, "minirtc");
  res.set(http::field::content_type, "video/mp4");
  res.set(http::field::content_disposition, fmt::format("attachment; filename=\"{}\"", file.name));
  res.set(http::field::access_control_allow_origin, "*");
  res.keep_alive(req.keep_alive());
  res.prepare_payload();
  // A large file to a slow client: bounded, but by far more than a request's read timeout.
  stream_.tcp().expires_after(std::chrono::hours(1));
  http::response_serializer<http::file_body> sr{res};
  auto [wec, n] = req.method() == http::verb::head
                      ? co_await http::async_write_header(stream_, sr, kNoThrow)
                      : co_await http::async_write(stream_, sr, kNoThrow);
  co_return (wec || !res.keep_alive()) ? FileOutcome::Closed : FileOutcome::Sent;
}

bool HttpSession::try_hand_over(Request& req) {
  auto [path, query] = minirtc::http::split_target(req.target());
  path = minirtc::http::strip_path_prefix(path, ctx_.config.cluster.path_prefix);
  const bool upgrade = beast::websocket::is_upgrade(req);
  if (auto key = flv_stream_key(path); !key.empty() && req.method() == http::verb::get) {
    auto grant = ctx_.access.check(key, query, auth::UrlAction::Play, now_s());
    if (!grant) {
      ctx_.metrics.reject("flv_play_url");
      log_limited(spdlog::level::warn, "flv play refused", "http {} FLV play refused: {}", peer_,
                  grant.error().reason);
      return false;  // route() answers 403 with the reason
    }
    // A verified viewer leaves the HTTP door for the FLV door, if there is room.
    if (auto verdict = ctx_.connections.move(id_, Door::Flv);
        verdict == Verdict::RefuseDoorFull || verdict == Verdict::RefusePerIp) {
      ctx_.metrics.refuse(door_name(Door::Flv), verdict_name(verdict));
      log_limited(spdlog::level::warn, "connection refused", "flv viewer {} refused: {}", peer_,
                  verdict_name(verdict));
      door_refusal_ = api::json_error(503, "FLV viewer limit reached");
      return false;
    }
    stream_.tcp().expires_never();
    if (upgrade) {
      auto viewer = std::make_shared<WsFlvViewer>(ctx_, std::move(stream_), peer_, *grant, id_);
      viewer->start(std::move(req));
    } else {
      auto viewer = std::make_shared<HttpFlvViewer>(ctx_, std::move(stream_), peer_, *grant, id_);
      viewer->start();
    }
    return true;
  }
  if (upgrade && path == "/v1/admin/feed" && ctx_.console && req.method() == http::verb::get) {
    stream_.tcp().expires_never();
    ctx_.console->accept_feed(std::move(stream_), std::move(req), peer_, id_);
    return true;
  }
  if (upgrade && path == "/v1/signal" && ctx_.signal) {
    stream_.tcp().expires_never();
    ctx_.signal->accept_websocket(std::move(stream_), std::move(req), peer_, id_);
    return true;
  }
  return false;
}

api::Reply HttpSession::route(const api::Request& request) {
  if (auto reply = console_reply(request)) return std::move(*reply);
  if (!ctx_.signal) return api::json_error(503, "starting");
  return ctx_.signal->handle_http(request);
}

std::optional<api::Reply> HttpSession::console_reply(const api::Request& request) {
  using Kind = console::Resolution::Kind;
  const auto r = console::resolve(request.path, console::embedded_assets());
  if (r.kind == Kind::NotConsole) return std::nullopt;
  // The router's rules for methods (api/router.hpp steps 3-4), on paths it cannot hold.
  constexpr std::string_view kAllow = "GET, HEAD";
  if (request.method == "OPTIONS") {
    api::Reply reply;
    reply.status = 204;
    reply.content_type = "text/plain";
    reply.allow = std::string(kAllow);
    return reply;
  }
  if (request.method != "GET" && request.method != "HEAD") {
    auto reply = api::json_error(
        405, fmt::format("method {} not allowed here (allowed: {})", request.method, kAllow));
    reply.allow = std::string(kAllow);
    reply.rejected = "http_method";
    return reply;
  }
  if (r.kind == Kind::NotFound) return api::json_error(404, "no such file");
  if (r.kind == Kind::Redirect) {
    api::Reply reply;
    reply.status = 302;
    reply.content_type = "text/plain";
    reply.headers = {{"Location", std::string(r.location)}, {"Cache-Control", "no-cache"}};
    return reply;
  }
  api::Reply reply = api::json_reply(std::string(r.asset->body));
  reply.content_type = std::string(r.content_type);
  // The console talks to its own origin only; no framing (clickjacking of the admin buttons).
  reply.headers = {
      {"Cache-Control", std::string(r.cache_control)},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
      {"Content-Security-Policy",
       "default-src 'self'; connect-src 'self'; media-src 'self' blob:; img-src 'self' data:; "
       "style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'"},
  };
  return reply;
}

std::string metrics_text(ServerContext& ctx) {
  std::string out;
  auto gauge = [&](std::string_view name, std::string_view help, auto value) {
    out += fmt::format("# HELP {} {}\n# TYPE {} gauge\n{} {}\n", name, help, name, name, value);
  };
  auto counter = [&](std::string_view name, std::string_view help, auto value) {
    out += fmt::format("# HELP {} {}\n# TYPE {} counter\n{} {}\n", name, help, name, name, value);
  };
  std::uint64_t publishing = 0, viewers = 0, bytes_in = 0, bytes_out = 0, dropped = 0;
  const auto now = now_ms();
  ctx.hub.for_each([&](media::Source& s) {
    auto st = s.stats(now);
    publishing += st.publishing ? 1 : 0;
    viewers += st.viewers;
    bytes_in += st.bytes_in;
    bytes_out += st.bytes_out;
    dropped += st.dropped_frames;
  });
  gauge("minirtc_streams", "Streams in the hub (published or awaited by viewers)",
        ctx.hub.stream_count());
  gauge("minirtc_streams_publishing", "Streams with a publisher", publishing);
  gauge("minirtc_viewers", "Playing connections (RTMP, HTTP-FLV, WebSocket-FLV)", viewers);
  gauge("minirtc_connections", "Open connections", ctx.connections.size());
  append_door_metrics(out, ctx.connections, ctx.metrics);
  gauge("minirtc_stream_bytes_in", "Media bytes received by current streams", bytes_in);
  gauge("minirtc_stream_bytes_out", "Media bytes sent by current streams", bytes_out);
  gauge("minirtc_stream_dropped_frames", "Frames dropped for slow viewers, current streams",
        dropped);
  counter("minirtc_rtmp_connections_total", "RTMP connections accepted",
          ctx.metrics.rtmp_connections_total);
  counter("minirtc_http_requests_total", "HTTP requests read", ctx.metrics.http_requests_total);
  counter("minirtc_publishes_total", "Publishes accepted", ctx.metrics.publishes_total);
  counter("minirtc_plays_total", "Plays accepted", ctx.metrics.plays_total);
  counter("minirtc_takeovers_total", "Publisher takeovers", ctx.metrics.takeovers_total);
  gauge("minirtc_relay_upstreams", "Streams this node pulls from their origin (edge)",
        ctx.relay ? ctx.relay->upstreams() : 0);
  gauge("minirtc_relay_downstreams", "Relay pulls of other nodes served by this node (origin)",
        ctx.metrics.relay_downstreams);
  counter("minirtc_relay_opens_total", "Relay upstreams opened", ctx.metrics.relay_opens_total);
  counter("minirtc_relay_retries_total", "Relay upstreams opened again after a failure",
          ctx.metrics.relay_retries_total);
  counter("minirtc_relay_failures_total",
          "Relay upstreams that ended while wanted (refused, unreachable, dropped)",
          ctx.metrics.relay_failures_total);
  gauge("minirtc_cluster_push_forwards",
        "Streams pushed here that this node forwards to their room's node (linked or retrying)",
        ctx.forwards ? ctx.forwards->open() : 0);
  counter("minirtc_cluster_push_forwards_total",
          "Links opened to a room's node for a stream pushed here",
          ctx.metrics.push_forwards_total);
  counter("minirtc_cluster_push_forward_reconnects_total",
          "Links opened again for the same encoder after its link ended",
          ctx.metrics.push_forward_reconnects_total);
  counter("minirtc_cluster_push_forwards_denied_total",
          "Forwards the room's node ended for good (kick, forbid-publish, revoked URL): encoder "
          "closed, not linked again",
          ctx.metrics.push_forwards_denied_total);
  const auto& sender = ctx.flusher.sender();
  counter("minirtc_viewer_writes_total", "Gather writes to plain-TCP viewers", sender.writes());
  counter("minirtc_viewer_write_syscalls_total",
          "System calls that carried them (io_uring: one per flush round)", sender.system_calls());
  gauge("minirtc_revoked_urls", "Revoked URL nonces remembered until their URLs expire",
        ctx.access.revoked_count());
  out += fmt::format(
      "# HELP minirtc_viewer_write_path The write path plain-TCP viewers' writes take (1 = in "
      "use)\n"
      "# TYPE minirtc_viewer_write_path gauge\n"
      "minirtc_viewer_write_path{{path=\"{}\"}} 1\n",
      BatchSender::name(sender.mode()));
  out +=
      "# HELP minirtc_rejected_total Requests and connections refused, by reason\n"
      "# TYPE minirtc_rejected_total counter\n";
  for (auto& [reason, n] : ctx.metrics.rejected)
    out += fmt::format("minirtc_rejected_total{{reason=\"{}\"}} {}\n", reason, n);
  write_ingest_budget(out, ctx.ingest);
  ctx.metrics.join_latency_ms.write(out, "minirtc_join_latency_ms", "join RPC latency");
  ctx.metrics.rpc_latency_ms.write(out, "minirtc_rpc_latency_ms", "signalling RPC latency");
  if (ctx.signal) ctx.signal->append_metrics(out);
  if (ctx.callbacks) ctx.callbacks->append_metrics(out);
  if (ctx.recordings) ctx.recordings->append_metrics(out);
  return out;
}

asio::awaitable<void> http_accept_loop(ServerContext& ctx, tcp::acceptor& acceptor) {
  return accept_loop(ctx, acceptor, Door::Http, [&ctx](tcp::socket socket, std::uint64_t id) {
    std::make_shared<HttpSession>(ctx, std::move(socket), id)->start();
  });
}

}  // namespace minirtc::server
