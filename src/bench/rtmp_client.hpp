#pragma once
// An RTMP client connection for the load generator: handshake, connect, createStream, then
// publish (and send media handed to it) or play (and parse every message received). Runs on
// the caller's io_context with no threads of its own; thousands share one loop.

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <boost/asio.hpp>

#include "bench/arrival_reader.hpp"
#include "rtmp/chunk_decoder.hpp"
#include "rtmp/chunk_encoder.hpp"
#include "rtmp/handshake.hpp"
#include "rtmp/message.hpp"

namespace minirtc::bench {

struct RtmpTarget {
  boost::asio::ip::tcp::endpoint endpoint;
  std::string app = "live";
  std::string tc_url;  // rtmp://host:port/live
  std::string stream;  // stream name, with its signed query when the server wants one
};

class RtmpClient : public std::enable_shared_from_this<RtmpClient>, private rtmp::MessageReceiver {
 public:
  enum class Role { Publish, Play };
  struct Handlers {
    std::function<void()> on_ready;  // NetStream.Publish.Start / NetStream.Play.Start
    /// Audio (8), video (9) and data (18) messages, aggregates already split, with the time
    /// their bytes reached the socket (see arrival_reader.hpp). `payload` is valid during the call.
    std::function<void(std::uint8_t type, std::uint32_t timestamp,
                       std::span<const std::uint8_t> payload, std::int64_t arrival_ns)>
        on_media;
    std::function<void(const std::string& reason)> on_closed;  // called at most once
  };

  /// read_rate_bytes_per_s > 0 makes a slow reader: it never reads faster than that.
  RtmpClient(boost::asio::io_context& io, Role role, RtmpTarget target, Handlers handlers,
             double read_rate_bytes_per_s = 0);

  /// Take each read's arrival time from the kernel (costs the load generator more; see
  /// arrival_reader.hpp). Otherwise arrival is the read time. Before start().
  void stamp_arrivals() noexcept { reader_.stamp_arrivals(); }
  void start();
  void close();
  /// Publisher only, after on_ready: queues one media message (type 8/9/18) for the socket.
  void send_media(std::uint8_t type, std::uint32_t timestamp,
                  std::span<const std::uint8_t> payload);
  /// Sets the chunk size this client sends with (announced with SetChunkSize).
  void set_out_chunk_size(std::uint32_t size);

  /// May be read from another thread than the client's.
  std::uint64_t bytes_in() const noexcept { return reader_.bytes_in(); }
  bool ready() const noexcept { return ready_; }
  bool closed() const noexcept { return closed_; }

 private:
  void read();
  void on_read(std::size_t n);
  /// Audio and video are looked at in the decoder's buffer; other messages are taken whole.
  bool receive(rtmp::CompletedMessage& m) override;
  void handle(const rtmp::Message& m);
  void handle_command(const rtmp::Message& m);
  void send(const rtmp::Message& m);
  void send_command(std::uint32_t csid, std::uint32_t stream_id, std::vector<std::uint8_t> body);
  void flush();
  void fail(const std::string& reason);

  boost::asio::ip::tcp::socket socket_;
  Role role_;
  RtmpTarget target_;
  Handlers handlers_;

  rtmp::ClientHandshake handshake_;
  rtmp::ChunkDecoder decoder_;
  rtmp::ChunkEncoder encoder_;
  ArrivalReader reader_;  // after socket_, which it reads
  std::vector<std::uint8_t> pending_, writing_;
  bool write_in_flight_ = false;
  std::uint32_t stream_id_ = 0;
  std::uint32_t ack_window_ = 0;
  std::uint64_t last_ack_ = 0;
  bool ready_ = false;
  bool closed_ = false;
};

}  // namespace minirtc::bench
