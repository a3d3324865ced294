#include "server/rtmp_session.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "rtmp/aggregate.hpp"
#include "rtmp/amf0.hpp"
#include "rtmp/chunk_encoder.hpp"
#include "rtmp/control.hpp"
#include "server/accept_loop.hpp"
#include "server/cluster_node.hpp"
#include "server/log_limiter.hpp"
#include "server/push_forward.hpp"
#include "server/signal_plane.hpp"

namespace minirtc::server {

namespace asio = boost::asio;
using asio::ip::tcp;
namespace amf0 = rtmp::amf0;

namespace {
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr std::uint32_t kCsidControl = rtmp::kCsidProtocolControl;
constexpr std::uint32_t kCsidCommand = rtmp::kCsidCommand;
// Status and data messages of the play stream share the data csid with onMetaData; they are
// written with full headers, so sharing is safe.
constexpr std::uint32_t kCsidStatus = rtmp::kCsidData;
constexpr std::uint32_t kWindowAckSize = 2500000;
// How long a denied forward's connection waits for the forwarding node to close it.
constexpr auto kDenyLinger = std::chrono::seconds(5);
// What an unauthorized connection may come to hold: its pending bytes in buffers up to twice as
// large (rtmp::ChunkDecoder::buffered_bytes).
constexpr std::uint64_t kUnauthorizedAllowance = 2 * rtmp::kCommandLimits.max_pending_bytes;

std::string_view arg_string(const rtmp::Command& c, std::size_t i) {
  if (i < c.args.size() && c.args[i].is_string()) return c.args[i].as_string();
  return {};
}
}  // namespace

RtmpSession::RtmpSession(ServerContext& ctx, tcp::socket socket, std::uint64_t id)
    : MediaConnection(ctx.flusher, media::WireFormat::Rtmp, ctx.config.media.viewer_queue),
      ctx_(ctx),
      socket_(std::move(socket)),
      deadline_(socket_.get_executor()),
      id_(id) {
  boost::system::error_code ec;
  auto ep = socket_.remote_endpoint(ec);
  peer_ = ec ? "?" : ep.address().to_string() + ":" + std::to_string(ep.port());
}

RtmpSession::~RtmpSession() = default;

void RtmpSession::start() {
  if (!ctx_.ingest.admits(kUnauthorizedAllowance)) {
    ctx_.metrics.reject("rtmp_ingest_budget_full");
    log_limited(spdlog::level::warn, "rtmp ingest budget full",
                "rtmp {} refused: ingest buffer budget full ({} of {} bytes held, {} of {} by "
                "unauthorized connections)",
                peer_, ctx_.ingest.used(), ctx_.ingest.limit(),
                ctx_.ingest.used_by(IngestBudget::Holder::Unauthorized),
                ctx_.ingest.unauthorized_limit());
    boost::system::error_code ec;
    socket_.close(ec);
    ctx_.connections.release(id_);
    return;
  }
  auto self = std::static_pointer_cast<RtmpSession>(shared_from_this());
  ctx_.connections.bind(id_, std::static_pointer_cast<Closable>(self));
  ++ctx_.metrics.rtmp_connections_total;
  log_limited(spdlog::level::info, "rtmp connected", "rtmp#{} {} connected", id_, peer_);
  arm_deadline(ctx_.config.media.handshake_timeout_s, "no publish or play in time");
  asio::co_spawn(
      socket_.get_executor(), [self]() { return self->read_loop(); }, asio::detached);
}

void RtmpSession::arm_deadline(std::uint32_t seconds, std::string_view what) {
  deadline_.expires_after(std::chrono::seconds(seconds));
  std::weak_ptr<MediaConnection> weak = shared_from_this();
  deadline_.async_wait([weak, what](const boost::system::error_code& ec) {
    if (ec) return;
    if (auto self = std::static_pointer_cast<RtmpSession>(weak.lock())) {
      if (self->role_ == Role::None) self->close_now(what);
    }
  });
}

asio::awaitable<void> RtmpSession::read_loop() {
  auto self = shared_from_this();  // alive while reading
  // One read buffer per event loop, shared by all its connections: the session waits until its
  // socket is readable, then reads and parses synchronously before anyone else reads. A player
  // that sends nothing thus costs no buffer (64 KiB per connection was most of a viewer's memory).
  static thread_local std::array<std::uint8_t, 64 * 1024> buffer;
  boost::system::error_code ec;
  socket_.non_blocking(true, ec);
  while (!closed_) {
    auto [wait_ec] = co_await socket_.async_wait(tcp::socket::wait_read, kNoThrow);
    if (closed_) break;
    if (wait_ec) {
      close_now("read failed: " + wait_ec.message());
      break;
    }
    for (;;) {
      const std::size_t n = socket_.read_some(asio::buffer(buffer), ec);
      if (ec == asio::error::would_block || ec == asio::error::try_again) break;
      if (ec) {
        close_now(ec == asio::error::eof ? "peer closed" : "read failed: " + ec.message());
        co_return;
      }
      if (auto st = on_bytes(std::span<const std::uint8_t>(buffer.data(), n)); !st) {
        if (decoder_.failed_on_limit()) {
          ctx_.metrics.reject("rtmp_buffer_limit");
          close_now(fmt::format("limit passed{}: {}",
                                publisher_authorized_ ? "" : " (not authorized to publish)",
                                st.error().reason));
        } else {
          ctx_.metrics.reject("rtmp_protocol");
          close_now("protocol error: " + st.error().reason);
        }
        co_return;
      }
      if (closed_ || n < buffer.size()) break;
    }
  }
}

Status RtmpSession::on_bytes(std::span<const std::uint8_t> data) {
  // A denied forward: what the other node still sends is read and dropped (answering nothing),
  // so the connection ends with its FIN, not a reset that could overtake the Denied status.
  if (denied_) return {};
  if (!handshake_.done()) {
    scratch_.clear();
    auto used = handshake_.feed(data, scratch_);
    if (!used) return used.error();
    if (!scratch_.empty()) send_now(media::make_control_packet(SharedBuffer(std::move(scratch_))));
    data = data.subspan(*used);
    if (!handshake_.done() || data.empty()) return {};
  }
  message_status_ = {};
  // Messages are handled as they complete, so those before an error are handled too (e.g. a
  // publish followed by garbage).
  auto st = decoder_.feed(data, *this);
  if (closed_) return {};
  if (!message_status_) return message_status_;
  if (!st) return st;
  if (!account_buffered_bytes()) return {};
  if (peer_window_ack_ > 0 && decoder_.bytes_received() - acked_bytes_ >= peer_window_ack_) {
    acked_bytes_ = decoder_.bytes_received();
    send(kCsidControl, rtmp::MessageType::Acknowledgement, 0,
         rtmp::acknowledgement_payload(static_cast<std::uint32_t>(acked_bytes_)));
  }
  return {};
}

bool RtmpSession::receive(rtmp::CompletedMessage& m) {
  rtmp::Message message{m.csid, m.type, m.timestamp, m.stream_id,
                        SharedBuffer(std::move(m.payload))};
  message_status_ = on_message(message);
  return message_status_.ok() && !closed_;
}

bool RtmpSession::account_buffered_bytes() {
  const auto holder =
      publisher_authorized_ ? IngestBudget::Holder::Publisher : IngestBudget::Holder::Unauthorized;
  const std::uint64_t before = ingest_.bytes;
  if (ctx_.ingest.update(ingest_, holder, decoder_.buffered_bytes())) return true;
  ctx_.metrics.reject("rtmp_ingest_budget");
  close_now(fmt::format(
      "ingest buffer budget passed: grew from {} to {} bytes while {} of {} "
      "are held ({} of {} by unauthorized connections)",
      before, ingest_.bytes, ctx_.ingest.used(), ctx_.ingest.limit(),
      ctx_.ingest.used_by(IngestBudget::Holder::Unauthorized), ctx_.ingest.unauthorized_limit()));
  return false;
}

Status RtmpSession::on_message(rtmp::Message& m) {
  switch (static_cast<rtmp::MessageType>(m.type)) {
    case rtmp::MessageType::SetChunkSize:
    case rtmp::MessageType::Abort:
    case rtmp::MessageType::Acknowledgement:
    case rtmp::MessageType::SetPeerBandwidth:
      return {};  // the decoder applied chunk size and abort; the rest needs no answer
    case rtmp::MessageType::WindowAckSize: {
      auto size = rtmp::parse_window_ack_size(m.payload.span());
      if (!size) return size.error();
      peer_window_ack_ = *size;
      return {};
    }
    case rtmp::MessageType::UserControl: {
      auto ev = rtmp::parse_user_control(m.payload.span());
      if (!ev) return ev.error();
      if (ev->type == static_cast<std::uint16_t>(rtmp::UserControlType::PingRequest))
        send(kCsidControl, rtmp::MessageType::UserControl, 0,
             rtmp::user_control_payload(rtmp::UserControlType::PingResponse, ev->value));
      return {};
    }
    case rtmp::MessageType::CommandAmf0:
    case rtmp::MessageType::CommandAmf3: {
      auto cmd = rtmp::parse_command(m);
      if (!cmd) return cmd.error();
      log_limited(spdlog::level::debug, "rtmp command", "rtmp#{} command {} txid={} ({} B)", id_,
                  cmd->name, cmd->transaction_id, m.payload.size());
      return on_command(*cmd, m.stream_id);
    }
    case rtmp::MessageType::Audio:
    case rtmp::MessageType::Video:
    case rtmp::MessageType::DataAmf0:
    case rtmp::MessageType::DataAmf3:
      on_media(m);
      return {};
    case rtmp::MessageType::Aggregate: {
      auto parts = rtmp::split_aggregate(m);
      if (!parts) return parts.error();
      for (auto& p : *parts) on_media(p);
      return {};
    }
    default:
      return {};  // shared objects etc.: ignored
  }
}

void RtmpSession::on_media(const rtmp::Message& m) {
  if (role_ != Role::Publisher || !source_) return;
  const auto now = now_ms();
  const auto type = static_cast<rtmp::MessageType>(m.type);
  if (type == rtmp::MessageType::Audio) {
    ctx_.hub.ingest(*source_, media::PacketKind::Audio, m.timestamp, m.payload, now);
  } else if (type == rtmp::MessageType::Video) {
    ctx_.hub.ingest(*source_, media::PacketKind::Video, m.timestamp, m.payload, now);
  } else {
    auto data = rtmp::parse_data(m);
    if (!data) {
      log_limited(spdlog::level::debug, "rtmp ignored data", "rtmp#{} ignored data message: {}",
                  id_, data.error().reason);
      return;
    }
    if (data->name == "@setDataFrame" || data->name == "onMetaData") {
      if (const auto* metadata = data->metadata())
        ctx_.hub.ingest(*source_, media::PacketKind::Metadata, m.timestamp,
                        SharedBuffer(rtmp::on_metadata_payload(*metadata)), now);
    }
  }
}

Status RtmpSession::on_command(const rtmp::Command& c, std::uint32_t stream_id) {
  if (c.name == "connect") return on_connect(c);
  if (app_.empty()) return make_error("'" + c.name + "' before connect");
  if (c.name == "createStream") {
    send(kCsidCommand, rtmp::MessageType::CommandAmf0, 0,
         rtmp::encode_command("_result", c.transaction_id, amf0::Value::null(),
                              std::vector<amf0::Value>{amf0::Value::number(media::kPlayStreamId)}));
    return {};
  }
  if (c.name == "publish") return on_publish(c);
  if (c.name == "play") return on_play(c);
  if (c.name == "releaseStream" || c.name == "FCPublish" || c.name == "FCUnpublish" ||
      c.name == "_checkbw" || c.name == "getStreamLength") {
    if (c.name == "FCUnpublish") stop_role({});
    if (c.transaction_id != 0) {
      std::vector<amf0::Value> args;
      if (c.name == "getStreamLength") args.push_back(amf0::Value::number(0));
      send(kCsidCommand, rtmp::MessageType::CommandAmf0, 0,
           rtmp::encode_command("_result", c.transaction_id, amf0::Value::null(), args));
    }
    return {};
  }
  if (c.name == "deleteStream" || c.name == "closeStream") {
    stop_role({});
    return {};
  }
  if (c.name == "pause" || c.name == "receiveAudio" || c.name == "receiveVideo") return {};
  log_limited(spdlog::level::info, "rtmp unknown command", "rtmp#{} unknown command '{}' ignored",
              id_, c.name);
  if (c.transaction_id != 0)
    send(kCsidCommand, rtmp::MessageType::CommandAmf0, stream_id,
         rtmp::encode_command(
             "_error", c.transaction_id, amf0::Value::null(),
             std::vector<amf0::Value>{amf0::Value::object(
                 {{"level", amf0::Value::string("error")},
                  {"code", amf0::Value::string("NetConnection.Call.Failed")},
                  {"description", amf0::Value::string("unknown command " + c.name)}})}));
  return {};
}

Status RtmpSession::on_connect(const rtmp::Command& c) {
  if (!app_.empty()) return make_error("connect twice");
  std::string app, tc_url;
  double object_encoding = 0;
  if (auto* v = c.object.get("app"); v && v->is_string()) app = v->as_string();
  if (auto* v = c.object.get("tcUrl"); v && v->is_string()) tc_url = v->as_string();
  if (auto* v = c.object.get("objectEncoding"); v && v->is_number())
    object_encoding = v->as_number();
  auto [app_name, app_query] = auth::split_name_query(app);
  auto [tc_base, tc_query] = auth::split_name_query(tc_url);
  (void)tc_base;
  // Our application is "live"; some clients append the instance ("live/_definst_").
  if (app_name != "live" && app_name.rfind("live/", 0) != 0) {
    ctx_.metrics.reject("rtmp_bad_app");
    log_limited(spdlog::level::info, "rtmp connect rejected",
                "rtmp#{} connect rejected: unknown app '{}'", id_, app_name);
    send(kCsidCommand, rtmp::MessageType::CommandAmf0, 0,
         rtmp::encode_command("_error", c.transaction_id, amf0::Value::null(),
                              std::vector<amf0::Value>{amf0::Value::object(
                                  {{"level", amf0::Value::string("error")},
                                   {"code", amf0::Value::string("NetConnection.Connect.Rejected")},
                                   {"description", amf0::Value::string("unknown application")}})}));
    close_after_drain_ = true;
    close_reason_ = "connect rejected: unknown app";
    return {};
  }
  app_ = std::string(app_name);
  tc_url_query_ = std::string(!tc_query.empty() ? tc_query : app_query);
  log_limited(spdlog::level::info, "rtmp connect", "rtmp#{} connect app={} tcUrl={}", id_, app_,
              std::string(tc_base));

  send(kCsidControl, rtmp::MessageType::WindowAckSize, 0,
       rtmp::window_ack_size_payload(kWindowAckSize));
  send(kCsidControl, rtmp::MessageType::SetPeerBandwidth, 0,
       rtmp::set_peer_bandwidth_payload(kWindowAckSize, rtmp::PeerBandwidthLimit::Dynamic));
  // Large chunks before the reply: media then goes out with few chunk headers, encoded once.
  send(kCsidControl, rtmp::MessageType::SetChunkSize, 0,
       rtmp::set_chunk_size_payload(media::kOutChunkSize));
  out_chunk_size_ = media::kOutChunkSize;
  send(kCsidCommand, rtmp::MessageType::CommandAmf0, 0,
       rtmp::connect_result(c.transaction_id, object_encoding));
  return {};
}

bool RtmpSession::take_role(const rtmp::Command& c, Role role) {
  const bool publish = role == Role::Publisher;
  auto [key, query] = auth::split_name_query(arg_string(c, 0));
  if (query.empty()) query = tc_url_query_;  // the signed query may sit on the app (tcUrl)
  // A play with a relay URL is another node pulling the stream (server/relay.hpp); a publish
  // with a forward URL is another node forwarding a push (server/push_forward.hpp).
  const auto named = auth::url_query_action(query);
  const bool relay = !publish && named == auth::UrlAction::Relay;
  const bool forward = publish && named == auth::UrlAction::Forward;
  const auto action = forward   ? auth::UrlAction::Forward
                      : publish ? auth::UrlAction::Publish
                      : relay   ? auth::UrlAction::Relay
                                : auth::UrlAction::Play;
  auto grant = ctx_.access.check(key, query, action, now_s());
  if (!grant) {
    ctx_.metrics.reject(forward   ? "rtmp_forward_url"
                        : publish ? "rtmp_publish_url"
                        : relay   ? "rtmp_relay_url"
                                  : "rtmp_play_url");
    // A well-signed forward whose encoder's URL was revoked here (its nonce is the encoder's):
    // refused for good, so the forwarding node closes the encoder (a direct push is refused).
    const bool for_good = forward && grant.error().reason == MediaAccess::kRevokedReason;
    refuse(media::kPlayStreamId,
           for_good  ? cluster::kForwardDeniedCode
           : publish ? "NetStream.Publish.BadName"
                     : "NetStream.Play.StreamNotFound",
           grant.error().reason);
    return false;
  }
  role_ = role;
  relay_downstream_ = relay;
  forwarded_in_ = forward;
  moved_in_ = forward && grant->moved;
  if (relay) ++ctx_.metrics.relay_downstreams;
  stream_ = grant->stream;
  nonce_ = grant->nonce;
  viewer_id_ = grant->viewer;
  deadline_.cancel();
  ctx_.connections.authenticate(id_);
  ctx_.access.track(nonce_, std::static_pointer_cast<Closable>(
                                std::static_pointer_cast<RtmpSession>(shared_from_this())));
  send(kCsidControl, rtmp::MessageType::UserControl, 0,
       rtmp::user_control_payload(rtmp::UserControlType::StreamBegin, media::kPlayStreamId));
  return true;
}

Status RtmpSession::on_publish(const rtmp::Command& c) {
  if (role_ != Role::None) return make_error("publish on a connection that already has a role");
  if (!take_role(c, Role::Publisher)) return {};
  // Authorized: media may follow, read under the full limits from the next byte on.
  publisher_authorized_ = true;
  decoder_.set_limits(rtmp::ChunkLimits{});
  if (ctx_.cluster)
    route_publish();
  else
    begin_publish(std::nullopt);
  return {};
}

void RtmpSession::route_publish() {
  cluster::PushFacts facts;
  facts.held_here =
      ctx_.signal && ctx_.signal->room_service().room(stream_.app_id, stream_.room_id);
  facts.forwarded = forwarded_in_;
  auto route = cluster::route_push(facts, ctx_.cluster->node_id());
  if (route.kind != cluster::PushRoute::Kind::LookUp) return apply_route(route);
  // Not held here: the room's pin says where it is (one store read). An encoder waits for
  // NetStream.Publish.Start before it sends media; what comes earlier is dropped.
  routing_ = true;
  std::weak_ptr<MediaConnection> weak = shared_from_this();
  ctx_.cluster->route_push(stream_.app_id, stream_.room_id, forwarded_in_,
                           [weak](cluster::PushRoute r) {
                             auto self = std::static_pointer_cast<RtmpSession>(weak.lock());
                             if (!self || self->closed_ || !self->routing_) return;
                             self->routing_ = false;
                             self->apply_route(r);
                           });
}

void RtmpSession::apply_route(const cluster::PushRoute& route) {
  switch (route.kind) {
    case cluster::PushRoute::Kind::Here:
      return begin_publish(std::nullopt);
    case cluster::PushRoute::Kind::Forward:
      return begin_publish(route.node);
    case cluster::PushRoute::Kind::LookUp:
    case cluster::PushRoute::Kind::Refuse:
      break;
  }
  ctx_.metrics.reject("rtmp_publish_route");
  refuse(media::kPlayStreamId, "NetStream.Publish.Rejected",
         route.reason.empty() ? "the room's node is not known" : route.reason);
}

void RtmpSession::begin_publish(std::optional<cluster::NodeRecord> forward) {
  const auto* existing = ctx_.hub.find(stream_);
  const bool takeover = existing && existing->publisher();
  if (takeover) ++ctx_.metrics.takeovers_total;
  ++ctx_.metrics.publishes_total;
  forwarding_ = forward.has_value() && ctx_.forwards;
  // Taken here after this node forwarded the stream to a room's node that went: its member moves
  // here (server/push_forward.hpp take_moved_here).
  if (!forward && !forwarded_in_ && ctx_.forwards && ctx_.forwards->take_moved_here(stream_))
    moved_in_ = true;
  source_ = &ctx_.hub.publish(stream_, this, now_ms());
  if (forwarding_) {
    spdlog::info("rtmp#{} publish {}{}: its room is held by node {}: forwarded there", id_,
                 stream_key(stream_), takeover ? " (takeover)" : "", forward->id);
    ctx_.forwards->start(stream_, this,
                         std::static_pointer_cast<Closable>(
                             std::static_pointer_cast<RtmpSession>(shared_from_this())),
                         nonce_, std::move(forward));
  } else {
    spdlog::info("rtmp#{} publish {}{}{}", id_, stream_key(stream_), takeover ? " (takeover)" : "",
                 forwarded_in_ ? (moved_in_ ? " (forwarded by another node: its member moved here)"
                                            : " (forwarded by another node)")
                 : moved_in_   ? " (its member moved here: this node forwarded it to a node gone)"
                               : "");
  }
  send_status(media::kPlayStreamId, "status", "NetStream.Publish.Start",
              stream_key(stream_) + " is now published");
}

bool RtmpSession::forward_to(const std::string& node_id, std::optional<cluster::NodeRecord> node) {
  if (role_ != Role::Publisher || !source_ || forwarded_in_ || forwarding_ || !ctx_.forwards)
    return false;
  forwarding_ = true;
  spdlog::info("rtmp#{} publish {}: its room moved to node {}: forwarded there", id_,
               stream_key(stream_), node_id);
  // Its member was in the room here: the winner gets it as moved in (docs/cluster.md "Pin
  // conflicts": the app server heard it join here).
  ctx_.forwards->start(
      stream_, this,
      std::static_pointer_cast<Closable>(std::static_pointer_cast<RtmpSession>(shared_from_this())),
      nonce_, std::move(node), ctx_.cluster ? ctx_.cluster->node_id() : std::string());
  return true;
}

Status RtmpSession::on_play(const rtmp::Command& c) {
  if (role_ != Role::None) return make_error("play on a connection that already has a role");
  if (!take_role(c, Role::Player)) return {};
  if (relay_downstream_) {
    spdlog::info("rtmp#{} relay pull of {} by another node", id_, stream_key(stream_));
  } else {
    ++ctx_.metrics.plays_total;
    spdlog::info("rtmp#{} play {} viewer={}", id_, stream_key(stream_), viewer_id_);
  }
  send_status(media::kPlayStreamId, "status", "NetStream.Play.Reset", "Playing and resetting");
  send_status(media::kPlayStreamId, "status", "NetStream.Play.Start", "Started playing");
  send(kCsidStatus, rtmp::MessageType::DataAmf0, media::kPlayStreamId,
       rtmp::sample_access_payload());
  source_ = &ctx_.hub.attach(stream_, this);
  return {};
}

void RtmpSession::stop_role(const media::StreamEnd& how) {
  if (role_ == Role::Publisher && source_) {
    spdlog::info("rtmp#{} unpublish {}", id_, stream_key(stream_));
    ctx_.hub.unpublish(*source_, this, how);
  } else if (role_ == Role::Player && source_) {
    ctx_.hub.detach(*source_, this);
  }
  if (role_ == Role::Publisher && forwarding_ && ctx_.forwards) ctx_.forwards->stop(stream_, this);
  forwarding_ = false;
  routing_ = false;
  source_ = nullptr;
  if (!nonce_.empty()) ctx_.access.untrack(nonce_, this);
  if (relay_downstream_) --ctx_.metrics.relay_downstreams;
  relay_downstream_ = false;
  role_ = Role::None;
}

void RtmpSession::send(std::uint32_t csid, rtmp::MessageType type, std::uint32_t stream_id,
                       const std::vector<std::uint8_t>& payload) {
  if (closed_) return;
  std::vector<std::uint8_t> wire;
  rtmp::encode_message(csid, static_cast<std::uint8_t>(type), 0, stream_id, payload,
                       out_chunk_size_, wire);
  send_now(media::make_control_packet(SharedBuffer(std::move(wire))));
}

void RtmpSession::send_status(std::uint32_t stream_id, std::string_view level,
                              std::string_view code, std::string_view description) {
  send(kCsidStatus, rtmp::MessageType::CommandAmf0, stream_id,
       rtmp::on_status(level, code, description));
}

void RtmpSession::refuse(std::uint32_t stream_id, std::string_view code, std::string_view reason) {
  log_limited(spdlog::level::warn, "rtmp refused", "rtmp#{} {} refused: {}", id_, code, reason);
  send_status(stream_id, "error", code, reason);
  close_after_drain_ = true;
  close_reason_ = std::string("refused: ") + std::string(reason);
  if (idle()) close_now(close_reason_);
}

void RtmpSession::write_buffers(std::vector<asio::const_buffer>& buffers) {
  auto self = std::static_pointer_cast<RtmpSession>(shared_from_this());
  asio::async_write(socket_, buffers, [self](const boost::system::error_code& ec, std::size_t n) {
    self->write_done(ec, n);
  });
}

int RtmpSession::direct_fd() {
  return socket_.is_open() ? socket_.native_handle() : -1;
}

void RtmpSession::on_write_error(const boost::system::error_code& ec) {
  close_now("write failed: " + ec.message());
}

void RtmpSession::on_drained() {
  if (denied_) return linger_after_deny();
  if (close_after_drain_) close_now(close_reason_);
}

void RtmpSession::close(std::string_view reason) {
  auto self = shared_from_this();
  asio::post(socket_.get_executor(), [self, r = std::string(reason)] {
    std::static_pointer_cast<RtmpSession>(self)->close_now(r);
  });
}

void RtmpSession::close_revoked(std::string_view reason) {
  if (!forwarded_in_ || role_ != Role::Publisher) return close(reason);
  post_deny_forward(reason);
}

void RtmpSession::close_viewer(std::string_view reason) {
  close(reason);
}

void RtmpSession::close_publisher(std::string_view reason, bool for_good) {
  // The hub has already moved on from us: forget the source now, close later.
  source_ = nullptr;
  if (!for_good || !forwarded_in_ || role_ != Role::Publisher) return close(reason);
  post_deny_forward(reason);
}

void RtmpSession::post_deny_forward(std::string_view reason) {
  auto self = shared_from_this();
  asio::post(socket_.get_executor(), [self, r = std::string(reason)] {
    std::static_pointer_cast<RtmpSession>(self)->deny_forward(r);
  });
}

void RtmpSession::deny_forward(std::string_view reason) {
  if (closed_ || denied_) return;
  // The publish ends as a revoked or closed one does (the hub already ended it when it closed
  // the stream: then source_ is gone and this is only the bookkeeping).
  stop_role({std::string(reason), true});
  spdlog::info("rtmp#{} forwarded push of {} ended for good: {}", id_, stream_key(stream_), reason);
  send_status(media::kPlayStreamId, "error", cluster::kForwardDeniedCode, reason);
  denied_ = true;  // after the status: on_drained now lingers
  close_reason_ = "ended for good: " + std::string(reason);
  if (idle()) linger_after_deny();
}

void RtmpSession::linger_after_deny() {
  if (lingering_ || closed_) return;
  lingering_ = true;
  // FIN after the status; the other node reads it, closes its encoder and this connection.
  boost::system::error_code ec;
  socket_.shutdown(tcp::socket::shutdown_send, ec);
  deadline_.expires_after(kDenyLinger);
  std::weak_ptr<MediaConnection> weak = shared_from_this();
  deadline_.async_wait([weak](const boost::system::error_code& wait_ec) {
    if (wait_ec) return;
    if (auto self = std::static_pointer_cast<RtmpSession>(weak.lock()))
      self->close_now(self->close_reason_ + " (the forwarding node did not close in time)");
  });
}

void RtmpSession::close_gracefully(std::string_view reason) {
  if (closed_) return;
  if (role_ == Role::Player) {
    send(kCsidControl, rtmp::MessageType::UserControl, 0,
         rtmp::user_control_payload(rtmp::UserControlType::StreamEOF, media::kPlayStreamId));
    send_status(media::kPlayStreamId, "status", "NetStream.Play.UnpublishNotify",
                std::string(reason));
  }
  stop_role({std::string(reason), false});
  close_after_drain_ = true;
  close_reason_ = std::string(reason);
  if (idle()) close_now(reason);
}

void RtmpSession::close_now(std::string_view reason) {
  if (closed_) return;
  // A publisher whose connection ends without unpublishing (lost, refused, protocol error) failed.
  stop_role({std::string(reason), true});
  closed_ = true;
  log_limited(spdlog::level::info, "rtmp closed", "rtmp#{} closed: {} (in {} B, out {} B)", id_,
              reason, decoder_.bytes_received(), bytes_out());
  deadline_.cancel();
  ctx_.ingest.release(ingest_);
  boost::system::error_code ec;
  socket_.shutdown(tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  ctx_.connections.release(id_);
}

asio::awaitable<void> rtmp_accept_loop(ServerContext& ctx, tcp::acceptor& acceptor) {
  return accept_loop(ctx, acceptor, Door::Rtmp, [&ctx](tcp::socket socket, std::uint64_t id) {
    std::make_shared<RtmpSession>(ctx, std::move(socket), id)->start();
  });
}

}  // namespace minirtc::server
