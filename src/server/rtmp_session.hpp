#pragma once
// One RTMP connection: handshake, chunk stream, commands, then either publishing into the hub or
// playing from it. Protocol parsing lives in rtmp/; this file is the I/O around it.
//
// Cluster mode: a publish whose room this node does not hold is routed first
// (cluster/push_route.hpp; docs/cluster.md "Pushes to another node"): the encoder is kept and its
// stream forwarded to the room's node (server/push_forward.hpp), published here only as a
// stream this node's rooms do not see. A publish with a forward URL (another node's forward) is
// checked against the cluster secret and is then a push like any other, never forwarded on.
// When such a push is ended for good here (the room closes the stream on purpose, its URL is
// revoked, another push takes it over: where a direct encoder would be closed and not taken back
// by itself), the forwarding node is told with an onStatus NetStream.Publish.Denied
// (cluster::kForwardDeniedCode) before the close, so it closes its encoder instead of linking
// again; the connection then half-closes and waits (briefly) for that node to close, so the
// status is read before any reset.
//
// Memory (issue 10): the chunk decoder runs under the small rtmp::kCommandLimits until a signed
// `publish` is accepted, and only then under the full limits (players keep the small ones: they
// send only commands and control messages). Messages are handled as the decoder completes them,
// so the bytes right behind an accepted publish are read under the publisher's limits. After
// every read the decoder's buffered bytes are reported to the server's IngestBudget; a connection
// whose growth passes it is closed, and new connections are refused while strangers fill their
// share of it.

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "cluster/node_record.hpp"
#include "cluster/push_route.hpp"
#include "media/sink.hpp"
#include "rtmp/chunk_decoder.hpp"
#include "rtmp/command.hpp"
#include "rtmp/handshake.hpp"
#include "rtmp/message.hpp"
#include "server/context.hpp"
#include "server/media_connection.hpp"

namespace minirtc::server {

class RtmpSession final : public MediaConnection,
                          public media::PublisherHandle,
                          public Closable,
                          private rtmp::MessageReceiver {
 public:
  /// `id`: the connection's slot at the RTMP door (ctx.connections).
  RtmpSession(ServerContext& ctx, boost::asio::ip::tcp::socket socket, std::uint64_t id);
  ~RtmpSession() override;

  void start();

  // Closable: revocation, shutdown. Posts the close (never re-enters the caller).
  void close(std::string_view reason) override;
  /// A revocation: a forwarded-in push is denied (see above), any other connection closed.
  void close_revoked(std::string_view reason) override;
  // ViewerSink / PublisherHandle (called by the hub).
  void close_viewer(std::string_view reason) override;
  void close_publisher(std::string_view reason, bool for_good) override;
  /// Shutdown: players get StreamEOF and an UnpublishNotify status before the socket closes.
  void close_gracefully(std::string_view reason);
  /// Plays for another node's relay (a relay URL signed with the cluster secret).
  bool relay_downstream() const override { return relay_downstream_; }
  /// Whether the stream published here is this node's (media/sink.hpp): not while it is
  /// forwarded to its room's node (server/push_forward.hpp), so this node's rooms never see it.
  bool local() const override { return !forwarding_; }
  /// A push another node forwarded here (a forward URL signed with the cluster secret).
  bool forwarded_in() const noexcept { return forwarded_in_; }
  /// A forward whose URL says its member moved here from another node (docs/protocol.md §2.7,
  /// m=1), or an encoder's push taken here after this node forwarded it to a room's node that
  /// went (PushForwards::take_moved_here): the room restores the pusher instead of announcing it
  /// (room::PushOrigin::MovedIn).
  bool moved_in() const noexcept { return moved_in_; }
  /// The stream this session publishes or plays (empty ids before its publish or play).
  const StreamId& published_stream() const noexcept { return stream_; }
  /// Hand-over of the room (Server::hand_over): the stream this session publishes is forwarded
  /// to node `node_id` from now on (`node`: its record; nullopt: to the room's node once looked
  /// up). False when it publishes nothing, is itself a forward from another node, or is
  /// forwarded already.
  bool forward_to(const std::string& node_id, std::optional<cluster::NodeRecord> node);

 private:
  enum class Role { None, Publisher, Player };

  boost::asio::awaitable<void> read_loop();
  Status on_bytes(std::span<const std::uint8_t> data);
  /// MessageReceiver: each message as the decoder completes it (false stops the feed).
  bool receive(rtmp::CompletedMessage& message) override;
  /// Reports the decoder's buffered bytes to the ingest budget; false: closed for passing it.
  bool account_buffered_bytes();
  Status on_message(rtmp::Message& message);
  Status on_command(const rtmp::Command& command, std::uint32_t stream_id);
  Status on_connect(const rtmp::Command& command);
  /// Checks the signed URL of publish/play (refusing with the matching status) and takes the
  /// role: stream, URL nonce (tracked for revocation), viewer id, StreamBegin.
  bool take_role(const rtmp::Command& command, Role role);
  Status on_publish(const rtmp::Command& command);
  /// Cluster mode: where an accepted publish goes (cluster/push_route.hpp): taken here, after a
  /// lookup of the room's node when the room is not held here, forwarded there, or refused.
  void route_publish();
  void apply_route(const cluster::PushRoute& route);
  /// Publishes into the hub: this node's stream, or one forwarded to `forward`'s node.
  void begin_publish(std::optional<cluster::NodeRecord> forward);
  Status on_play(const rtmp::Command& command);
  void on_media(const rtmp::Message& message);
  /// Ends the publish or play; `how` tells the hub why a publish ended.
  void stop_role(const media::StreamEnd& how);

  /// Encodes a message at the current outgoing chunk size and writes it ahead of media.
  void send(std::uint32_t csid, rtmp::MessageType type, std::uint32_t stream_id,
            const std::vector<std::uint8_t>& payload);
  void send_status(std::uint32_t stream_id, std::string_view level, std::string_view code,
                   std::string_view description);
  /// Refuses with a status, then closes once it is written.
  void refuse(std::uint32_t stream_id, std::string_view code, std::string_view reason);

  void write_buffers(std::vector<boost::asio::const_buffer>& buffers) override;
  int direct_fd() override;
  void on_write_error(const boost::system::error_code& ec) override;
  void on_drained() override;
  void close_now(std::string_view reason);
  /// Ends a forwarded-in push for good: the Denied status, then the half-close and the linger.
  /// Posted: never re-enters the caller (the hub, a revocation).
  void post_deny_forward(std::string_view reason);
  void deny_forward(std::string_view reason);
  void linger_after_deny();
  void arm_deadline(std::uint32_t seconds, std::string_view what);

  ServerContext& ctx_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer deadline_;
  std::string peer_;
  std::uint64_t id_ = 0;

  rtmp::ServerHandshake handshake_;
  rtmp::ChunkDecoder decoder_{rtmp::kCommandLimits};
  Status message_status_;  // the error of a message handled inside decoder_.feed
  IngestBudget::Account ingest_;
  bool publisher_authorized_ = false;  // a signed publish was accepted: full decoder limits
  std::vector<std::uint8_t> scratch_;
  std::uint32_t out_chunk_size_ = 128;
  std::uint32_t peer_window_ack_ = 0;
  std::uint64_t acked_bytes_ = 0;

  std::string app_;
  std::string tc_url_query_;
  Role role_ = Role::None;
  StreamId stream_;
  std::string nonce_;
  bool relay_downstream_ = false;
  bool routing_ = false;       // a publish waits for its room's lookup (media is dropped meanwhile)
  bool forwarding_ = false;    // the publish is forwarded to the room's node
  bool forwarded_in_ = false;  // the publish came from another node with a forward URL
  bool denied_ = false;        // a forwarded-in push ended for good: told, closing
  bool lingering_ = false;     // denied, half-closed: waiting for the other node's close
  bool moved_in_ = false;      // its member moved here (signed m=1, or take_moved_here)
  media::Source* source_ = nullptr;

  bool closed_ = false;
  bool close_after_drain_ = false;
  std::string close_reason_;
};

/// Accepts RTMP connections (server/accept_loop.hpp).
boost::asio::awaitable<void> rtmp_accept_loop(ServerContext& ctx,
                                              boost::asio::ip::tcp::acceptor& acceptor);

}  // namespace minirtc::server
