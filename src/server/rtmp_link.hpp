#pragma once
// One RTMP client connection from this node to another node, the part the relay's upstream
// (server/relay: plays a stream from its origin) and the push forward's link (server/push_forward:
// publishes a stream on the room's node) share, so it is written and fixed once: the socket, the
// start deadline (media.handshake_timeout_s), resolve and connect, the rtmp::PlayClient driven by a
// read loop with one bounded read buffer, the writes of what the client says, and the ends (closed
// by the owner's manager, or failed: logged rate-limited and reported).
//
// What differs stays with the owner, told through RtmpLinkOwner (called on the event loop, from
// the link's own handlers): what it does with the client's events and output (the relay publishes
// the media into the hub; the forward, once publishing, sends the client's bytes through its
// viewer write path and attaches to the hub), what it holds that an end releases, and what it
// reports to its manager when the link fails. The owner says when the play or publish started
// (mark_started): from then on the deadline no longer applies.
//
// It takes the event loop and its settings, not the ServerContext: tests/unit/server/rtmp_link_test
// runs it against a loopback peer.
//
// Memory and time: one 64 KiB read buffer (the other node sends command replies,
// acknowledgements and, to a player, the media), the client's output until it is written, and
// the decoder's bounded buffers (rtmp::ChunkLimits defaults); it must have started within
// Options::start_timeout_s (the owners pass media.handshake_timeout_s) of start().

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "rtmp/play_client.hpp"
#include "util/result.hpp"

namespace minirtc::server {

/// What an RtmpLink tells its owner.
class RtmpLinkOwner {
 public:
  /// What one read made the client say: its events, the bytes it wants sent (left in `out`, the
  /// link writes them before its next read; an owner that writes them itself takes them) and
  /// feed()'s status. Unless the owner ended the link meanwhile, an error status fails the link
  /// after this call.
  virtual void link_read(std::vector<rtmp::PlayEvent>& events, std::vector<std::uint8_t>& out,
                         const Status& fed) = 0;
  /// The link ends (by close() or fail(), once): release what the owner holds (its place in the
  /// hub, its writes), before the socket closes.
  virtual void link_stopped() = 0;
  /// fail() ended the link (after link_stopped()): tell the manager.
  virtual void link_failed(const std::string& reason) = 0;

 protected:
  ~RtmpLinkOwner() = default;
};

class RtmpLink {
 public:
  struct Options {
    std::string name;              // what the logs call the link: "relay KEY from rtmp://HOST:PORT"
    std::string_view ended_key;    // log_limited's key for its ends (a literal: keys are fixed)
    std::string_view late;         // the reason it fails with when not started in time
    std::string_view peer_closed;  // the reason it fails with when the other node closes
    std::uint32_t start_timeout_s = 10;     // media.handshake_timeout_s: started by then
    std::uint32_t kernel_unsent_limit = 0;  // tune_accepted_socket's (0: no limit)
  };

  /// `address`: where to connect, "host" and port, or why there is nowhere (the link fails with
  /// that reason once started).
  RtmpLink(boost::asio::io_context& io, RtmpLinkOwner& owner, Options options,
           rtmp::PlayTarget target, Result<std::pair<std::string, std::uint16_t>> address);

  /// Arms the deadline and connects on a later handler (nothing re-enters the caller now).
  /// `keep_alive` (the owner, which holds this link) lives as long as the connection runs.
  void start(std::shared_ptr<void> keep_alive);
  /// The owner's word: the play or publish started; the deadline no longer applies.
  void mark_started();
  /// By the owner's manager: ends the link without telling the owner's manager (logged).
  void close(std::string_view reason);
  /// Ends the link (logged rate-limited) and tells the owner (link_failed). No-op once ended.
  void fail(const std::string& reason);

  bool started() const noexcept { return started_; }
  bool closed() const noexcept { return closed_; }
  const std::string& name() const noexcept { return options_.name; }
  const rtmp::PlayClient& client() const noexcept { return client_; }
  /// For an owner that writes to the connection itself (the forward's viewer write path).
  boost::asio::ip::tcp::socket& socket() noexcept { return socket_; }

 private:
  boost::asio::awaitable<void> run(std::shared_ptr<void> keep_alive);
  void stop();

  RtmpLinkOwner& owner_;
  Options options_;
  Result<std::pair<std::string, std::uint16_t>> address_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer deadline_;
  rtmp::PlayClient client_;
  bool started_ = false;
  bool closed_ = false;
};

}  // namespace minirtc::server
