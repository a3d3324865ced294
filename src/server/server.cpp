#include "server/server.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include <iostream>

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "server/callbacks.hpp"
#include "server/cluster_node.hpp"
#include "server/config_reload.hpp"
#include "server/console_plane.hpp"
#include "server/http_session.hpp"
#include "server/log_limiter.hpp"
#include "server/push_forward.hpp"
#include "server/recordings.hpp"
#include "server/relay.hpp"
#include "server/rtmp_session.hpp"
#include "server/signal_plane.hpp"
#include "server/usage_recorder.hpp"

namespace minirtc::server {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {
media::HubConfig hub_config(const Config& c) {
  media::HubConfig h;
  h.gop = c.media.gop;
  h.gop_cache = c.media.gop_cache;
  h.publisher_idle_timeout_ms = c.media.publisher_idle_timeout_s * 1000;
  h.max_timestamp_lead_ms = c.media.max_timestamp_lead_ms;
  return h;
}

RelayTiming relay_timing(const RelayConfig& r) {
  return RelayTiming{r.idle_grace_ms, r.retry_initial_ms, r.retry_max_ms};
}

ConnectionTable::Limits door_limits(const LimitsConfig& l) {
  auto door = [&l](std::uint32_t max) {
    return DoorLimits{max, l.reserved_for_authenticated, l.unauthenticated_per_ip};
  };
  return {door(l.rtmp_connections), door(l.http_connections), door(l.flv_viewers)};
}

Result<tcp::endpoint> resolve(std::string_view host_port) {
  auto hp = parse_host_port(host_port);
  if (!hp) return hp.error();
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(hp->first == "localhost" ? "127.0.0.1" : hp->first, ec);
  if (ec) return make_error(fmt::format("'{}' is not an IP address", hp->first));
  return tcp::endpoint(addr, hp->second);
}

Status open_acceptor(tcp::acceptor& a, const tcp::endpoint& ep) {
  boost::system::error_code ec;
  a.open(ep.protocol(), ec);
  if (!ec) a.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) a.bind(ep, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return make_error(fmt::format("cannot listen on {}:{}: {}", ep.address().to_string(), ep.port(),
                                  ec.message()));
  return {};
}

std::string host_for_url(const tcp::endpoint& ep) {
  auto a = ep.address();
  if (a.is_unspecified()) return "127.0.0.1";
  return a.is_v6() ? fmt::format("[{}]", a.to_string()) : a.to_string();
}
}  // namespace

Server::Server(Config config)
    : config_(std::move(config)),
      apps_(config_.apps),
      hub_(hub_config(config_)),
      access_(apps_),
      flusher_(
          io_.get_executor(), std::chrono::milliseconds(config_.media.merge_window_ms),
          BatchSender::parse(config_.media.send_batching).value_or(BatchSender::Mode::IoUring)),
      ctx_{io_, config_, apps_, hub_, access_, flusher_, metrics_, nullptr, nullptr, false, {}},
      http_acceptor_(io_),
      rtmp_acceptor_(io_),
      signals_(io_, SIGINT, SIGTERM, SIGHUP),
      ticker_(io_) {
  if (config_.cluster.enabled()) {  // before the signal plane, which registers cluster routes
    cluster_ = std::make_unique<ClusterNode>(io_, config_.cluster, config_.resume_window_ms);
    ctx_.cluster = cluster_.get();
  }
  signal_ = std::make_unique<SignalPlane>(ctx_);
  ctx_.signal = signal_.get();
  recordings_ = std::make_unique<Recordings>(ctx_);
  ctx_.recordings = recordings_.get();
  api::add_recording_routes(signal_->router(), *recordings_);
  recordings_->on_event([this](const RecordingEvent& e) {
    const bool started = e.kind == RecordingEvent::Kind::Started;
    spdlog::info("event: recording {} {} ({}){}", started ? "started" : "finished", e.info.id,
                 e.info.stream, e.info.error.empty() ? "" : ": " + e.info.error);
    if (!callbacks_) return;
    CallbackEvent c;
    c.type = started ? webhook::EventType::RecordingStarted : webhook::EventType::RecordingFinished;
    c.app_id = e.info.app_id;
    c.room_id = e.info.room_id;
    c.data["userId"] = e.info.user_id;
    c.data["stream"] = e.info.stream;
    c.data["file"] = e.info.file;
    if (!started) {
      c.data["durationMs"] = e.info.duration_ms;
      c.data["bytes"] = e.info.size_bytes;
      c.data["error"] = e.info.error;
    }
    c.time_ms = now_ms();
    callbacks_->emit(std::move(c));
  });
  console_ = std::make_unique<ConsolePlane>(ctx_, signal_->room_service());
  ctx_.console = console_.get();
  access_.set_cluster_secret(config_.cluster.secret);
  relay_ = std::make_unique<RelayManager>(ctx_, relay_timing(config_.relay));
  ctx_.relay = relay_.get();
  // Pushes for rooms other nodes hold are forwarded there, retried as relay pulls are.
  forwards_ = std::make_unique<PushForwards>(
      ctx_, cluster::ForwardTiming{config_.relay.retry_initial_ms, config_.relay.retry_max_ms});
  ctx_.forwards = forwards_.get();
  if (!config_.relay.origin.empty()) {
    // Static edge mode: every stream not published here comes from the one origin.
    relay_->set_find_origin([origin = config_.relay.origin](const StreamId&) {
      return std::optional<std::string>(origin);
    });
  } else if (cluster_) {
    // Cluster mode: a stream whose room another node holds comes from that node.
    relay_->set_find_origin([this](const StreamId& id) { return cluster_->origin_of(id); });
    // An origin found by a room's pin (not in the directory yet): its waiting viewers' upstream
    // opens now, not on the relay's next tick.
    cluster_->on_origin_found(
        [this](const StreamId& id) { asio::post(io_, [this, id] { relay_->update(id); }); });

    cluster_->on_broadcast([this](const cluster::Broadcast& b, const std::string& from) {
      if (const auto* r = std::get_if<cluster::RevokeMessage>(&b))
        access_.revoke(r->nonce, "URL revoked by the room's node", r->keep_until_s);
      else if (const auto* m = std::get_if<cluster::ViewerMuteMessage>(&b))
        hub_.set_viewer_mute(m->stream, m->viewer, m->audio, m->video);
      else if (const auto* f = std::get_if<cluster::ReportForwardMessage>(&b))
        signal_->apply_forwarded_report(from, f->body);
    });
    forwards_->set_locate([this](const StreamId& id, std::function<void(cluster::PushRoute)> done) {
      cluster_->route_push(id.app_id, id.room_id, false, std::move(done));
    });
    cluster_->on_yield([this](const std::string& app_id, const std::string& room_id,
                              const std::string& winner) { hand_over(app_id, room_id, winner); });
  }
  hub_.on_viewers_changed(
      [this](const StreamId& id) { asio::post(io_, [this, id] { relay_->update(id); }); });
  ctx_.connections.set_limits(door_limits(config_.limits));
  // Hub events fire inside hub calls; the room's reactions (mutes, closes) touch the hub again,
  // so they run right after, not inside.
  hub_.on_live([this](const StreamId& id, bool audio, bool video) {
    // A forward whose member moved here from another node (server/push_forward.hpp): the room
    // restores it rather than announcing it. Asked now: the publisher may change before the post.
    const auto* source = hub_.find(id);
    const auto* rtmp = source ? dynamic_cast<const RtmpSession*>(source->publisher()) : nullptr;
    const auto origin =
        rtmp && rtmp->moved_in() ? room::PushOrigin::MovedIn : room::PushOrigin::Direct;
    spdlog::info("stream {} live (audio={}, video={}){}", stream_key(id), audio, video,
                 origin == room::PushOrigin::MovedIn ? " moved in from another node" : "");
    asio::post(io_, [this, id, audio, video, origin] {
      signal_->on_stream_live(id, audio, video, origin);
      recordings_->on_stream_live(id);
    });
  });
  hub_.on_ended([this](const StreamId& id, const media::StreamEnd& how) {
    spdlog::info("stream {} ended{}: {}", stream_key(id), how.failed ? " (failed)" : "",
                 how.reason);
    asio::post(io_, [this, id, how] { signal_->on_stream_ended(id, how); });
  });
}

Server::~Server() = default;

Status Server::listen() {
  // The database first: a damaged or locked file stops the server before it accepts anyone.
  auto usage = UsageRecorder::open(config_.data_dir, ctx_.events, hub_);
  if (!usage) return usage.error();
  usage_ = std::move(*usage);
  signal_->set_usage(usage_.get());
  auto callbacks = CallbackService::open(ctx_);
  if (!callbacks) return callbacks.error();
  callbacks_ = std::move(*callbacks);
  ctx_.callbacks = callbacks_.get();
  if (!config_.tls_cert.empty() || !config_.tls_key.empty()) {
    if (config_.tls_cert.empty() || config_.tls_key.empty())
      return make_error("TLS needs both --tls-cert and --tls-key");
    boost::system::error_code ec;
    tls_.emplace(asio::ssl::context::tls_server);
    tls_->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                      asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                      asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
    tls_->use_certificate_chain_file(config_.tls_cert, ec);
    if (ec)
      return make_error(fmt::format("TLS certificate {}: {}", config_.tls_cert, ec.message()));
    tls_->use_private_key_file(config_.tls_key, asio::ssl::context::pem, ec);
    if (ec) return make_error(fmt::format("TLS key {}: {}", config_.tls_key, ec.message()));
    ctx_.tls = &*tls_;
  }
  auto http_ep = resolve(config_.http_listen);
  if (!http_ep) return with_context(http_ep.error(), "http_listen");
  auto rtmp_ep = resolve(config_.rtmp_listen);
  if (!rtmp_ep) return with_context(rtmp_ep.error(), "rtmp_listen");
  if (auto st = open_acceptor(http_acceptor_, *http_ep); !st) return st;
  if (auto st = open_acceptor(rtmp_acceptor_, *rtmp_ep); !st) return st;
  const auto http_bound = http_acceptor_.local_endpoint();
  const auto rtmp_bound = rtmp_acceptor_.local_endpoint();
  const auto public_url = !config_.public_url.empty()
                              ? config_.public_url
                              : fmt::format("{}://{}:{}", tls_ ? "https" : "http",
                                            host_for_url(http_bound), http_bound.port());
  // A cluster node behind a shared domain serves under its path prefix (docs/cluster.md).
  access_.set_public_urls(
      public_url + config_.cluster.path_prefix,
      !config_.public_rtmp_url.empty()
          ? config_.public_rtmp_url
          : fmt::format("rtmp://{}:{}", host_for_url(rtmp_bound), rtmp_bound.port()));
  signal_->reload();  // the join and resume results name this node's report URL
  if (cluster_) {
    cluster::NodeRecord self;
    self.public_url = public_url;
    self.path_prefix = config_.cluster.path_prefix;
    self.rtmp_url = access_.rtmp_base();
    self.relay_address = !config_.cluster.relay_listen.empty()
                             ? config_.cluster.relay_listen
                             : fmt::format("{}:{}", host_for_url(rtmp_bound), rtmp_bound.port());
    self.started_at_ms = now_ms();
    self.updated_at_ms = self.started_at_ms;
    std::vector<std::pair<std::string, std::string>> apps;
    for (const auto& a : config_.apps) apps.emplace_back(a.id, a.key);
    if (auto st = cluster_->start(std::move(self), std::move(apps), std::chrono::seconds(5)); !st)
      return st;
  }
  // The embedded default's admin key is printed like its app's keys (stdout, never the log).
  if (config_.admin_key_development)
    std::cout << fmt::format("console: {}/console/ adminKey={} (kept in {})", access_.http_base(),
                             config_.admin_key,
                             (std::filesystem::path(config_.data_dir) / "dev-app.toml").string())
              << std::endl;
  // One machine-readable line, so scripts and tests can start servers on port 0 in parallel.
  std::cout << fmt::format("listening http={}:{} rtmp={}:{}{}", http_bound.address().to_string(),
                           http_bound.port(), rtmp_bound.address().to_string(), rtmp_bound.port(),
                           tls_ ? " tls=on" : "")
            << std::endl;
  spdlog::info("public URLs: {} and {}", access_.http_base(), access_.rtmp_base());
  spdlog::info("viewers' writes: merge window {} ms, {}", config_.media.merge_window_ms,
               BatchSender::name(flusher_.sender().mode()));
  const auto& l = config_.limits;
  spdlog::info(
      "connection limits: rtmp {}, http {}, flv {}; {} reserved per door for authenticated "
      "connections; {} unauthenticated per address and door",
      l.rtmp_connections, l.http_connections, l.flv_viewers, l.reserved_for_authenticated,
      l.unauthenticated_per_ip);
  return {};
}

void Server::run() {
  asio::co_spawn(io_, http_accept_loop(ctx_, http_acceptor_), asio::detached);
  asio::co_spawn(io_, rtmp_accept_loop(ctx_, rtmp_acceptor_), asio::detached);
  wait_for_signal();
  tick();
  io_.run();
  spdlog::info("stopped");
}

void Server::wait_for_signal() {
  signals_.async_wait([this](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    if (sig == SIGHUP) {
      reload();
      return wait_for_signal();
    }
    spdlog::info("signal {}: shutting down", sig);
    shutdown();
  });
}

void Server::reload() {
  if (stopping_) return;
  if (!config_source_) {
    spdlog::warn("SIGHUP: no configuration to read again; ignored");
    return;
  }
  auto next = config_source_();
  if (!next) {
    spdlog::error("SIGHUP: configuration not reloaded, the running one is kept: {}",
                  next.error().reason);
    return;
  }
  auto plan = plan_reload(config_, *next);
  for (const auto& line : plan.need_restart) spdlog::warn("SIGHUP: {}", line);
  if (plan.applied.empty()) {
    spdlog::info("SIGHUP: configuration read again: nothing to apply");
    return;
  }
  config_ = std::move(plan.config);
  if (plan.apps_changed) apps_ = AppRegistry(config_.apps);
  ctx_.connections.set_limits(door_limits(config_.limits));
  spdlog::set_level(spdlog::level::from_str(config_.log_level));
  if (plan.room_changed) signal_->reload();
  for (const auto& line : plan.applied) spdlog::info("SIGHUP: {}", line);
  spdlog::info("SIGHUP: configuration reloaded ({} changes applied)", plan.applied.size());
}

void Server::stop() {
  asio::post(io_, [this] { shutdown(); });
}

void Server::tick() {
  // Twice a second: idle publishers, room timers (resume windows, expiries, no-media timeouts).
  const auto now = now_ms();
  hub_.sweep(now);
  signal_->tick(now);
  console_->tick(now);
  ctx_.access.prune(static_cast<std::uint32_t>(now / 1000));
  relay_->tick(now);
  forwards_->tick(now);
  if (cluster_ && ticks_++ % 2 == 0) cluster_tick(now);
  if (callbacks_) callbacks_->pump();
  flush_log_summaries();
  heap_trimmer_.tick();
  ticker_.expires_after(std::chrono::milliseconds(500));
  ticker_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec && !stopping_) tick();
  });
}

void Server::cluster_tick(std::uint64_t now) {
  // The record's load: rooms and sessions from signalling, viewers and bytes out from the hub,
  // CPU from the kernel; rates over the time since the last sample.
  cluster::NodeRecord load;
  const auto rooms = signal_->room_summaries();
  load.rooms = static_cast<std::uint32_t>(rooms.size());
  load.sessions = static_cast<std::uint32_t>(signal_->session_count());
  std::uint64_t bytes_out = 0;
  hub_.for_each([&](media::Source& s) {
    const auto st = s.stats(now);
    load.viewers += static_cast<std::uint32_t>(st.viewers);
    bytes_out += st.bytes_out;
  });
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  const double cpu_s = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                       static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  if (load_sample_.at_ms != 0 && now > load_sample_.at_ms) {
    const double seconds = static_cast<double>(now - load_sample_.at_ms) / 1000.0;
    const auto sent = bytes_out >= load_sample_.bytes_out ? bytes_out - load_sample_.bytes_out : 0;
    load.egress_mbps = static_cast<double>(sent) * 8 / 1e6 / seconds;
    load.cpu_percent = std::max(0.0, (cpu_s - load_sample_.cpu_s) * 100 / seconds);
  }
  load_sample_ = {now, bytes_out, cpu_s};
  cluster_->tick(
      load, rooms,
      [this](const std::string& app_id, const std::string& room_id) {
        return signal_->room_service().resumable_members(app_id, room_id);
      },
      now);
}

void Server::shutdown() {
  if (stopping_) return;
  stopping_ = true;
  ctx_.shutting_down = true;
  boost::system::error_code ec;
  http_acceptor_.close(ec);
  rtmp_acceptor_.close(ec);
  ticker_.cancel();  // no more ticks: room timers stop, cluster records and pins stay as they are
  signals_.cancel();
  if (cluster_) return drain();
  finish_shutdown();
}

void Server::drain() {
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(config_.cluster.drain_timeout_ms);
  const auto rooms = signal_->rooms();
  spdlog::info("cluster: draining: {} rooms and {} sessions move to other nodes (at most {} ms)",
               rooms.size(), signal_->session_count(), config_.cluster.drain_timeout_ms);
  cluster_->drain(
      rooms,
      [this](const std::string& app_id, const std::string& room_id) {
        return signal_->room_service().resumable_members(app_id, room_id);
      },
      now_ms(), std::chrono::milliseconds(3000),
      [this, deadline] {
        signal_->shutdown();  // 1001: the SDK resumes on another node, which takes the room
        wait_for_moves(deadline);
      });
}

void Server::hand_over(const std::string& app_id, const std::string& room_id,
                       const std::string& winner) {
  const auto now = now_ms();
  auto h = std::make_shared<SignalPlane::HandOver>(signal_->hand_over(app_id, room_id, now));
  spdlog::info("cluster: room {}/{}: {} sessions move to node {}", app_id, room_id,
               h->members.size(), winner);
  // Pushes of the room published here (cluster/push_route.hpp hand_over_push): a moving
  // member's stays until the deadline, another node's forward is closed at once, any other (a
  // media-only member's encoder, which cannot move) is forwarded to the winner from the live
  // stream (the link starts with the hub's GOP cache) and left out of the deadline's closes.
  std::set<StreamId> moving, forwarded;
  for (const auto& m : h->members)
    for (const auto& p : m.publications)
      moving.insert(StreamId{app_id, room_id, m.user_id, p.kind});
  std::vector<std::shared_ptr<RtmpSession>> pushes;
  hub_.for_each([&](media::Source& s) {
    if (s.id().app_id != app_id || s.id().room_id != room_id) return;
    if (auto* rtmp = dynamic_cast<RtmpSession*>(s.publisher()))
      pushes.push_back(std::static_pointer_cast<RtmpSession>(rtmp->shared_from_this()));
  });
  for (auto& rtmp : pushes) {
    const auto id = rtmp->published_stream();
    switch (cluster::hand_over_push(moving.contains(id), rtmp->forwarded_in())) {
      case cluster::HandOverPush::Keep:
        break;
      case cluster::HandOverPush::Close:
        rtmp->close("the room moved to node " + winner);
        break;
      case cluster::HandOverPush::Forward:
        if (rtmp->forward_to(winner, cluster_->live_node(winner))) forwarded.insert(id);
        break;
    }
  }
  std::erase_if(h->media_end, [&forwarded](const room::MediaEffect& e) {
    const auto* close = std::get_if<room::CloseStream>(&e);
    return close && forwarded.contains(close->stream);
  });
  auto members = h->members;
  cluster_->write_handed_over(
      app_id, room_id, std::move(members), now, std::chrono::milliseconds(3000),
      [this, h, app_id, room_id](bool written) {
        if (stopping_) return;
        if (!written)
          spdlog::warn("cluster: room {}/{}: session records not acknowledged; closing anyway",
                       app_id, room_id);
        signal_->apply(std::move(h->outcome));  // 1001: each client resumes on the winner
        // The media goes on meanwhile, until the clients switched to their new URLs.
        auto timer = std::make_shared<asio::steady_timer>(
            io_, std::chrono::milliseconds(config_.cluster.drain_timeout_ms));
        timer->async_wait([this, timer, h, app_id, room_id](const boost::system::error_code& ec) {
          if (ec || stopping_) return;
          if (signal_->room_service().room(app_id, room_id))
            return;  // held here again: its media is live
          room::Outcome end;
          end.effects = std::move(h->media_end);
          signal_->apply(std::move(end));
        });
      });
}

void Server::wait_for_moves(std::chrono::steady_clock::time_point deadline) {
  if (ctx_.connections.empty() || std::chrono::steady_clock::now() >= deadline) {
    if (!ctx_.connections.empty())
      spdlog::warn("cluster: drain deadline: {} connections still here", ctx_.connections.size());
    else
      spdlog::info("cluster: drained: every client moved");
    return finish_shutdown();
  }
  ticker_.expires_after(std::chrono::milliseconds(50));
  ticker_.async_wait(
      [this, deadline](const boost::system::error_code&) { wait_for_moves(deadline); });
}

void Server::finish_shutdown() {
  signal_->shutdown();
  recordings_->shutdown();
  relay_->shutdown();
  forwards_->shutdown();
  if (usage_) usage_->close_all(now_ms());  // what is still open ends now, written before exit
  if (callbacks_) callbacks_->stop();       // what is queued stays on disk for the next start
  // Every viewer ends cleanly: RTMP players get StreamEOF and an UnpublishNotify status,
  // HTTP-FLV bodies their last chunk and WebSocket-FLV a 1001 close frame, each after the write
  // it has in flight; publishers and everything else are closed.
  for (auto& c : ctx_.connections.open()) {
    if (auto* rtmp = dynamic_cast<RtmpSession*>(c.get()))
      rtmp->close_gracefully("server shutting down");
    else
      c->close("server shutting down");
  }
  wait_for_goodbyes(std::chrono::steady_clock::now() + kShutdownGrace);
}

void Server::wait_for_goodbyes(std::chrono::steady_clock::time_point deadline) {
  // The loop stops as soon as the last connection is gone, or at the deadline whatever remains.
  if (ctx_.connections.empty() || std::chrono::steady_clock::now() >= deadline) {
    if (!ctx_.connections.empty())
      spdlog::warn("shutdown: {} connections still open after {} ms: cut off",
                   ctx_.connections.size(), kShutdownGrace.count());
    io_.stop();
    return;
  }
  ticker_.expires_after(std::chrono::milliseconds(20));  // the ticker is done ticking: reused
  ticker_.async_wait(
      [this, deadline](const boost::system::error_code&) { wait_for_goodbyes(deadline); });
}

}  // namespace minirtc::server
